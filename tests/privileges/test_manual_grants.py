"""Staff grant privileges by hand, whatever eligibility says, and revoke them; other features
grant through the same service."""

from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from koc.auth.models import StaffRole
from koc.errors import DomainError
from koc.members.models import Member, MemberTag
from koc.privileges.grants import grant_privilege
from tests.conftest import gid
from tests.privileges.factories import (
    PRIVILEGE_GRANT,
    PRIVILEGE_REVOKE,
    a_tag,
    create_privilege,
    error_codes,
    my_grants,
    put_tag,
    redeem,
    update_privilege,
)


async def _call(staff, mutation, name, **input):
    return (await staff.execute(mutation, {"input": input}))[name]


async def test_a_manual_grant_survives_losing_eligibility(staff_client, member_client):
    vip = await a_tag("VIP")
    staff = await staff_client(StaffRole.OPERATOR)
    privilege = (
        await create_privilege(
            staff, code="VIP_DINNER", audience={"rule": {"tags": {"any": [gid("Tag", vip.id)]}}}
        )
    )["privilege"]
    member = await member_client()
    await put_tag(await Member.get(id=member.member_id), vip)

    granted = await _call(
        staff,
        PRIVILEGE_GRANT,
        "privilegeGrant",
        memberId=member.member_gid,
        privilegeId=privilege["id"],
        reason="Hosted our salon",
    )
    await MemberTag.filter(member_id=member.member_id).delete()
    await update_privilege(staff, id=privilege["id"], name="VIP dinner")

    assert granted["errors"] == [] and granted["grant"]["source"] == "MANUAL"
    (kept,) = await my_grants(member)
    assert (kept["status"], kept["source"]) == ("ACTIVE", "MANUAL")


async def test_a_manual_grant_can_carry_its_own_expiry(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    privilege = (await create_privilege(staff, grantDays=365))["privilege"]
    member = await member_client()
    soon = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)

    granted = await _call(
        staff,
        PRIVILEGE_GRANT,
        "privilegeGrant",
        memberId=member.member_gid,
        privilegeId=privilege["id"],
        reason="Trial",
        expiresAt=soon.isoformat(),
    )
    past = await _call(
        staff,
        PRIVILEGE_GRANT,
        "privilegeGrant",
        memberId=member.member_gid,
        privilegeId=privilege["id"],
        reason="Trial",
        expiresAt=(datetime.now(UTC) - timedelta(days=1)).isoformat(),
    )

    assert datetime.fromisoformat(granted["grant"]["expiresAt"]) == soon
    assert [(e["field"], e["code"]) for e in past["errors"]] == [("expiresAt", "INVALID")]


async def test_staff_revoke_and_rules_do_not_restore(staff_client, member_client):
    vip = await a_tag("VIP")
    staff = await staff_client(StaffRole.OPERATOR)
    privilege = (
        await create_privilege(staff, audience={"rule": {"tags": {"any": [gid("Tag", vip.id)]}}})
    )["privilege"]
    member = await member_client()
    await put_tag(await Member.get(id=member.member_id), vip)
    await update_privilege(staff, id=privilege["id"], name="Re-run")
    assert len(await my_grants(member)) == 1

    revoked = await _call(
        staff,
        PRIVILEGE_REVOKE,
        "privilegeRevoke",
        memberId=member.member_gid,
        privilegeId=privilege["id"],
        reason="Abused it",
    )
    await update_privilege(staff, id=privilege["id"], name="Again")
    twice = await _call(
        staff,
        PRIVILEGE_REVOKE,
        "privilegeRevoke",
        memberId=member.member_gid,
        privilegeId=privilege["id"],
        reason="Again",
    )

    assert revoked["grant"]["status"] == "REVOKED"
    assert await my_grants(member) == []
    assert error_codes(twice) == ["NOT_GRANTED"]
    assert error_codes(await redeem(member, privilegeId=privilege["id"], idempotencyKey="k")) == [
        "NOT_ELIGIBLE"
    ]


async def test_grants_are_refused_for_withdrawn_privileges_and_unknown_members(
    staff_client, member_client
):
    staff = await staff_client(StaffRole.OPERATOR)
    privilege = (await create_privilege(staff))["privilege"]
    await update_privilege(staff, id=privilege["id"], active=False)
    member = await member_client()

    inactive = await _call(
        staff,
        PRIVILEGE_GRANT,
        "privilegeGrant",
        memberId=member.member_gid,
        privilegeId=privilege["id"],
        reason="x",
    )
    unknown = await _call(
        staff,
        PRIVILEGE_GRANT,
        "privilegeGrant",
        memberId=gid("Member", 999999),
        privilegeId=privilege["id"],
        reason="x",
    )

    assert error_codes(inactive) == ["INACTIVE"]
    assert error_codes(unknown) == ["MEMBER_NOT_FOUND"]


async def test_another_feature_grants_by_code(staff_client, member_client):
    # e.g. the referrals feature rewarding a referrer
    staff = await staff_client(StaffRole.OPERATOR)
    await create_privilege(staff, code="REFERRAL_THANKS")
    member = await member_client()

    async with in_transaction():
        first = await grant_privilege(member.member_id, "REFERRAL_THANKS", reason="referral 1")
        again = await grant_privilege(member.member_id, "REFERRAL_THANKS", reason="referral 2")
    try:
        await grant_privilege(member.member_id, "NO_SUCH_CODE", reason="x")
    except DomainError as exc:
        missing = exc.code
    else:
        missing = None

    assert first.id == again.id
    assert [g["privilege"]["code"] for g in await my_grants(member)] == ["REFERRAL_THANKS"]
    assert missing == "NOT_FOUND"
