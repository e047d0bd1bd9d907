"""Automatic grants follow eligibility: they appear when a member qualifies (tags, stage,
KOC roles, badges) and disappear when the member no longer does, unless already used."""

from tortoise.transactions import in_transaction

from koc.auth.models import StaffRole
from koc.events import KocStatusChanged, publish
from koc.members.models import Member
from tests.badges.factories import BADGE_AWARD, BADGE_REVOKE, create_badge, record_order
from tests.conftest import gid, make_member
from tests.privileges.factories import (
    a_tag,
    create_privilege,
    job_summary,
    my_codes,
    my_grants,
    put_tag,
    redeem,
    update_privilege,
)

TAGS_ADD = (
    """mutation($input: MemberTagsInput!) { memberTagsAdd(input: $input) { errors { code } } }"""
)
TAGS_REMOVE = (
    """mutation($input: MemberTagsInput!) { memberTagsRemove(input: $input) { errors { code } } }"""
)
STAGE_SET = """mutation($input: MemberStageSetInput!) { memberStageSet(input: $input) { errors { code } } }"""


async def test_creating_a_privilege_grants_it_to_every_eligible_member(staff_client, member_client):
    # given 30 VIP-tagged members and one without the tag
    vip = await a_tag("VIP")
    for _ in range(30):
        await put_tag(await make_member(), vip)
    outsider = await member_client()
    staff = await staff_client(StaffRole.OPERATOR)

    # when a privilege for VIPs is created
    payload = await create_privilege(
        staff, code="VIP_GIFT", audience={"rule": {"tags": {"any": [gid("Tag", vip.id)]}}}
    )

    # then all of them (and only they) hold it
    assert await job_summary(staff, payload) == "Granted VIP_GIFT to 30 members, withdrew it from 0"
    assert payload["privilege"]["audience"] == {
        "rule": {"tags": {"any": [gid("Tag", vip.id)]}},
        "segment": None,
    }
    assert await my_codes(outsider) == []


async def test_tags_added_and_removed_by_staff_grant_and_withdraw(staff_client, member_client):
    vip = await a_tag("VIP")
    staff = await staff_client(StaffRole.OPERATOR)
    await create_privilege(
        staff, code="VIP_LOUNGE", audience={"rule": {"tags": {"any": [gid("Tag", vip.id)]}}}
    )
    member = await member_client()
    tag_input = {"memberIds": [member.member_gid], "tagIds": [gid("Tag", vip.id)]}

    await staff.execute(TAGS_ADD, {"input": tag_input})
    assert await my_codes(member) == ["VIP_LOUNGE"]

    await staff.execute(TAGS_REMOVE, {"input": tag_input})
    assert await my_codes(member) == []
    (withdrawn,) = await my_grants(member, include_inactive=True)
    assert withdrawn["status"] == "REVOKED" and withdrawn["source"] == "AUTO"

    await staff.execute(TAGS_ADD, {"input": tag_input})
    assert await my_codes(member) == ["VIP_LOUNGE"]


async def test_stage_changes_by_staff_and_by_a_first_order_grant(
    staff_client, member_client, partner_client
):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_privilege(
        staff, code="CUSTOMER_CARE", audience={"rule": {"stage": {"in": ["CUSTOMER"]}}}
    )
    buyer, promoted = await member_client(), await member_client()

    await record_order(await partner_client(["orders:write"]), buyer.member_gid)
    await staff.execute(
        STAGE_SET,
        {"input": {"memberId": promoted.member_gid, "stage": "CUSTOMER", "reason": "Met"}},
    )
    assert await my_codes(buyer) == ["CUSTOMER_CARE"]
    assert await my_codes(promoted) == ["CUSTOMER_CARE"]

    await staff.execute(
        STAGE_SET, {"input": {"memberId": promoted.member_gid, "stage": "INTENT", "reason": "Oops"}}
    )
    assert await my_codes(promoted) == []


async def test_koc_roles_grant_while_active(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_privilege(
        # any KOC role (what the any-role marker of before became)
        staff,
        code="KOC_SALON",
        audience={"rule": {"koc": {"roles": ["CONTENT", "EXPERIENCE", "CO_CREATION"]}}},
    )
    await create_privilege(
        staff, code="CREATOR_KIT", audience={"rule": {"koc": {"roles": ["CONTENT"]}}}
    )
    member = await member_client()
    row = await Member.get(id=member.member_id)

    async def status(value: str, roles: list[str]) -> None:
        async with in_transaction():
            await publish(KocStatusChanged(member=row, status=value, roles=roles))

    await status("ACTIVE", ["EXPERIENCE"])
    assert await my_codes(member) == ["KOC_SALON"]
    await status("ACTIVE", ["EXPERIENCE", "CONTENT"])
    assert await my_codes(member) == ["CREATOR_KIT", "KOC_SALON"]
    await status("SUSPENDED", ["EXPERIENCE", "CONTENT"])
    assert await my_codes(member) == []


async def test_badge_awards_and_revokes_grant_and_withdraw(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    badge = (await create_badge(staff, code="GOLD"))["badge"]
    await create_privilege(
        staff, code="GOLD_SERVICE", audience={"rule": {"badges": {"any": ["GOLD"]}}}
    )
    member = await member_client()
    input = {"memberId": member.member_gid, "badgeId": badge["id"], "reason": "Gold member"}

    await staff.execute(BADGE_AWARD, {"input": input})
    assert await my_codes(member) == ["GOLD_SERVICE"]
    await staff.execute(BADGE_REVOKE, {"input": input})
    assert await my_codes(member) == []


async def test_all_of_needs_every_condition(staff_client, member_client):
    vip, owner = await a_tag("VIP"), await a_tag("Owner")
    staff = await staff_client(StaffRole.OPERATOR)
    both = await member_client()
    one = await member_client()
    for tag in (vip, owner):
        await put_tag(await Member.get(id=both.member_id), tag)
    await put_tag(await Member.get(id=one.member_id), vip)

    payload = await create_privilege(
        staff,
        code="INNER_CIRCLE",
        audience={"rule": {"tags": {"all": [gid("Tag", vip.id), gid("Tag", owner.id)]}}},
    )

    assert (
        await job_summary(staff, payload) == "Granted INNER_CIRCLE to 1 members, withdrew it from 0"
    )
    assert await my_codes(both) == ["INNER_CIRCLE"]
    assert await my_codes(one) == []


async def test_a_redeemed_grant_stays_when_eligibility_is_lost(staff_client, member_client):
    vip = await a_tag("VIP")
    staff = await staff_client(StaffRole.OPERATOR)
    privilege = (
        await create_privilege(
            staff, code="ONE_GIFT", audience={"rule": {"tags": {"any": [gid("Tag", vip.id)]}}}
        )
    )["privilege"]
    member = await member_client()
    tag_input = {"memberIds": [member.member_gid], "tagIds": [gid("Tag", vip.id)]}
    await staff.execute(TAGS_ADD, {"input": tag_input})
    used = await redeem(member, privilegeId=privilege["id"], idempotencyKey="k1")
    assert used["errors"] == []

    await staff.execute(TAGS_REMOVE, {"input": tag_input})

    (kept,) = await my_grants(member, include_inactive=True)
    assert kept["status"] == "REDEEMED"


async def test_changing_eligibility_regrants_and_withdraws(staff_client, member_client):
    vip, fan = await a_tag("VIP"), await a_tag("Fan")
    staff = await staff_client(StaffRole.OPERATOR)
    vip_member, fan_member = await member_client(), await member_client()
    await put_tag(await Member.get(id=vip_member.member_id), vip)
    await put_tag(await Member.get(id=fan_member.member_id), fan)
    privilege = (
        await create_privilege(staff, audience={"rule": {"tags": {"any": [gid("Tag", vip.id)]}}})
    )["privilege"]

    payload = await update_privilege(
        staff, id=privilege["id"], audience={"rule": {"tags": {"any": [gid("Tag", fan.id)]}}}
    )

    assert payload["errors"] == []
    code = privilege["code"]
    assert await job_summary(staff, payload) == f"Granted {code} to 1 members, withdrew it from 1"
    assert await my_codes(vip_member) == []
    assert await my_codes(fan_member) == [code]

    off = await update_privilege(staff, id=privilege["id"], active=False)
    assert await job_summary(staff, off) == f"Granted {code} to 0 members, withdrew it from 1"
    assert await my_codes(fan_member) == []
