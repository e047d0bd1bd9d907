"""Members redeem their privileges online; every refusal has a typed error."""

from datetime import UTC, datetime, timedelta

from koc.auth.models import StaffRole
from koc.privileges.models import PrivilegeGrant
from tests.privileges.factories import (
    create_privilege,
    error_codes,
    grant,
    my_grants,
    pk,
    redeem,
)


async def _granted(staff_client, member_client, **privilege):
    staff = await staff_client(StaffRole.OPERATOR)
    created = (await create_privilege(staff, **privilege))["privilege"]
    member = await member_client()
    await grant(staff, member, created["id"])
    return staff, member, created


async def test_a_member_redeems_online_once_and_a_retry_replays(staff_client, member_client):
    _, member, privilege = await _granted(staff_client, member_client, code="BIRTHDAY_CAKE")

    first = await redeem(member, privilegeId=privilege["id"], idempotencyKey="tap-1")
    retry = await redeem(member, privilegeId=privilege["id"], idempotencyKey="tap-1")

    assert first["errors"] == [] and first["replayed"] is False
    assert first["redemption"]["channel"] == "ONLINE" and first["redemption"]["via"] == "MEMBER"
    assert retry["replayed"] is True and retry["redemption"] == first["redemption"]
    (used,) = await my_grants(member, include_inactive=True)
    assert used["status"] == "REDEEMED"


async def test_a_used_single_privilege_is_already_redeemed(staff_client, member_client):
    _, member, privilege = await _granted(staff_client, member_client)
    await redeem(member, privilegeId=privilege["id"], idempotencyKey="a")

    again = await redeem(member, privilegeId=privilege["id"], idempotencyKey="b")

    assert error_codes(again) == ["ALREADY_REDEEMED"] and again["redemption"] is None


async def test_a_yearly_quota_allows_that_many_uses(staff_client, member_client):
    _, member, privilege = await _granted(
        staff_client, member_client, kind="SERVICE", quota=2, quotaPeriod="YEAR"
    )
    results = [
        await redeem(member, privilegeId=privilege["id"], idempotencyKey=f"wash-{i}")
        for i in range(3)
    ]

    assert [error_codes(r) for r in results] == [[], [], ["QUOTA_USED"]]
    (still,) = await my_grants(member)
    assert still["status"] == "ACTIVE" and still["usesLeft"] == 0


async def test_stock_runs_out(staff_client, member_client):
    staff, first, privilege = await _granted(staff_client, member_client, totalStock=1)
    second = await member_client()
    await grant(staff, second, privilege["id"])

    assert (await redeem(first, privilegeId=privilege["id"], idempotencyKey="x"))["errors"] == []
    late = await redeem(second, privilegeId=privilege["id"], idempotencyKey="x")

    assert error_codes(late) == ["OUT_OF_STOCK"]


async def test_without_a_grant_a_member_is_not_eligible(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    privilege = (await create_privilege(staff))["privilege"]
    member = await member_client()

    result = await redeem(member, privilegeId=privilege["id"], idempotencyKey="x")

    assert error_codes(result) == ["NOT_ELIGIBLE"]


async def test_an_expired_grant_is_refused(staff_client, member_client):
    _, member, privilege = await _granted(staff_client, member_client)
    # given the grant's expiry has passed
    await PrivilegeGrant.filter(privilege_id=pk(privilege["id"])).update(
        expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )

    result = await redeem(member, privilegeId=privilege["id"], idempotencyKey="x")

    assert error_codes(result) == ["EXPIRED"]
    (grant_view,) = await my_grants(member, include_inactive=True)
    assert grant_view["status"] == "EXPIRED"


async def test_a_store_only_privilege_cannot_be_redeemed_online(staff_client, member_client):
    _, member, privilege = await _granted(staff_client, member_client, channel="STORE")

    result = await redeem(member, privilegeId=privilege["id"], idempotencyKey="x")

    assert [(e["field"], e["code"]) for e in result["errors"]] == [("channel", "WRONG_CHANNEL")]


async def test_a_privilege_not_started_yet_is_refused(staff_client, member_client):
    starts = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    _, member, privilege = await _granted(staff_client, member_client, startsAt=starts)

    result = await redeem(member, privilegeId=privilege["id"], idempotencyKey="x")

    assert error_codes(result) == ["NOT_STARTED"]


async def test_an_idempotency_key_belongs_to_one_privilege(staff_client, member_client):
    staff, member, first = await _granted(staff_client, member_client)
    second = (await create_privilege(staff))["privilege"]
    await grant(staff, member, second["id"])
    await redeem(member, privilegeId=first["id"], idempotencyKey="same")

    result = await redeem(member, privilegeId=second["id"], idempotencyKey="same")

    assert error_codes(result) == ["IDEMPOTENCY_CONFLICT"]


async def test_staff_redeem_for_a_member_at_the_counter(staff_client, member_client):
    staff, member, privilege = await _granted(staff_client, member_client, channel="STORE")

    result = await redeem(
        staff, privilegeId=privilege["id"], memberId=member.member_gid, idempotencyKey="pos-1"
    )

    assert result["errors"] == []
    assert (result["redemption"]["channel"], result["redemption"]["via"]) == ("STORE", "STAFF")


async def test_a_member_cannot_redeem_for_someone_else(staff_client, member_client):
    _, owner, privilege = await _granted(staff_client, member_client)
    other = await member_client()

    errors = await other.errors(
        """mutation($input: PrivilegeRedeemInput!) { privilegeRedeem(input: $input) { replayed } }""",
        {
            "input": {
                "privilegeId": privilege["id"],
                "memberId": owner.member_gid,
                "idempotencyKey": "k",
            }
        },
    )

    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
