"""Privileges leave koc too: a partner learns that a member was granted a privilege (by staff,
or by its eligibility rules when the member qualified) and that a member used one; and the
member hears of a rule's grant in the inbox as of a staff grant."""

from __future__ import annotations

from typing import Any

from koc.auth.models import StaffRole
from koc.consent.models import Purpose
from koc.members.models import Member
from tests.conftest import gid
from tests.consent.factories import decide
from tests.privileges.factories import a_tag, create_privilege, error_codes, grant, put_tag, redeem
from tests.webhooks.helpers import feed, nodes

TAGS_ADD = (
    """mutation($input: MemberTagsInput!) { memberTagsAdd(input: $input) { errors { code } } }"""
)
TAGS_REMOVE = (
    """mutation($input: MemberTagsInput!) { memberTagsRemove(input: $input) { errors { code } } }"""
)
INBOX = "{ me { notifications { edges { node { kind body } } } } }"
PRIVILEGE_TYPES = ["PRIVILEGE_GRANTED", "PRIVILEGE_REDEEMED"]


async def _privilege_events(partner_client, *scopes: str) -> list[dict[str, Any]]:
    reader = await partner_client(["events:read", *scopes])
    return nodes(await feed(reader, types=PRIVILEGE_TYPES))


async def _inbox(member) -> list[tuple[str, str]]:
    edges = (await member.execute(INBOX))["me"]["notifications"]["edges"]
    return [(e["node"]["kind"], e["node"]["body"]) for e in edges]


async def test_a_rule_grant_is_announced_to_partners_and_to_the_member(
    staff_client, member_client, partner_client, app: Any
):
    # given a privilege for VIP-tagged members, and a member who is not one yet
    operator = await staff_client(StaffRole.OPERATOR)
    vip = await a_tag("VIP")
    privilege = (
        await create_privilege(
            operator,
            code="VIP_LOUNGE",
            name="贵宾休息室",
            audience={"rule": {"tags": {"any": [gid("Tag", vip.id)]}}},
        )
    )["privilege"]
    member = await member_client()
    assert await _privilege_events(partner_client) == []
    # when staff tag the member VIP (the rules grant the privilege in that transaction)
    tags = {"memberIds": [member.member_gid], "tagIds": [gid("Tag", vip.id)]}
    assert (await operator.execute(TAGS_ADD, {"input": tags}))["memberTagsAdd"]["errors"] == []
    # then partners read privilege.granted, from the rules, naming the member
    [event] = await _privilege_events(partner_client)
    assert event["type"] == "privilege.granted"
    assert event["data"]["privilege"] == {"id": privilege["id"], "code": "VIP_LOUNGE"}
    assert event["data"]["grant"]["source"] == "AUTO"
    assert event["data"]["member"] == {"id": member.member_gid, "phone": None, "unionid": None}
    # and the member's inbox tells them, as a staff grant would
    assert [(k, "贵宾休息室" in body) for k, body in await _inbox(member)] == [
        ("PRIVILEGE_GRANTED", True)
    ]
    # when the tag goes and comes back, the rules give the grant back: announced again to
    # partners (a new event), while the member is not told twice about the same grant
    await operator.execute(TAGS_REMOVE, {"input": tags})
    await operator.execute(TAGS_ADD, {"input": tags})
    events = await _privilege_events(partner_client)
    assert [e["type"] for e in events] == ["privilege.granted"] * 2
    assert events[0]["data"]["grant"]["id"] == events[1]["data"]["grant"]["id"]
    assert len(await _inbox(member)) == 1


async def test_a_privilege_created_for_many_announces_each_grant(
    staff_client, partner_client, app: Any
):
    # given 12 VIP members
    vip = await a_tag("VIP")
    members = [await Member.create(nickname=f"vip {n}") for n in range(12)]
    for m in members:
        await put_tag(m, vip)
    # when a privilege for VIPs is created (its job grants it to all of them)
    operator = await staff_client(StaffRole.OPERATOR)
    await create_privilege(
        operator, code="VIP_GIFT", audience={"rule": {"tags": {"any": [gid("Tag", vip.id)]}}}
    )
    # then one privilege.granted per member reaches partners
    events = await _privilege_events(partner_client)
    assert sorted(e["data"]["member"]["id"] for e in events) == sorted(
        gid("Member", m.id) for m in members
    )
    assert {e["data"]["grant"]["source"] for e in events} == {"AUTO"}


async def test_a_staff_grant_and_a_redemption_with_personal_data_by_scope(
    staff_client, member_client, partner_client, app: Any
):
    # given a member who shares their data with partners, granted a privilege by staff
    operator = await staff_client(StaffRole.OPERATOR)
    privilege = (await create_privilege(operator, code="BIRTHDAY_CAKE"))["privilege"]
    member = await member_client()
    await Member.filter(id=member.member_id).update(phone="+8613900001234", unionid="u-priv")
    await decide(member.member_id, Purpose.SHARING, granted=True)
    await grant(operator, member, privilege["id"])
    # when the member redeems it, retries with the same key, and tries once more
    first = await redeem(member, privilegeId=privilege["id"], idempotencyKey="tap-1")
    retry = await redeem(member, privilegeId=privilege["id"], idempotencyKey="tap-1")
    refused = await redeem(member, privilegeId=privilege["id"], idempotencyKey="tap-2")
    assert first["errors"] == [] and retry["replayed"] is True
    assert error_codes(refused) == ["ALREADY_REDEEMED"]
    # then partners read one grant (by staff) and one use: the replay and the refusal add none
    events = await _privilege_events(partner_client)
    assert [e["type"] for e in events] == ["privilege.granted", "privilege.redeemed"]
    granted, redeemed = (e["data"] for e in events)
    assert granted["grant"]["source"] == "MANUAL"
    assert redeemed["privilege"] == {"id": privilege["id"], "code": "BIRTHDAY_CAKE"}
    assert redeemed["redemption"]["grant"] == {"id": granted["grant"]["id"]}
    assert (redeemed["redemption"]["channel"], redeemed["redemption"]["via"]) == (
        "ONLINE",
        "MEMBER",
    )
    # and without members:read no phone shows; with it, the sharing member's phone does
    assert redeemed["member"] == {"id": member.member_gid, "phone": None, "unionid": None}
    crm = await _privilege_events(partner_client, "members:read")
    assert {e["data"]["member"]["phone"] for e in crm} == {"+8613900001234"}
