"""Concurrent redemptions never oversell stock or exceed a quota (N parallel API calls)."""

import asyncio

from koc.auth.models import StaffRole
from koc.privileges.models import PrivilegeRedemption, PrivilegeRsvp
from tests.privileges.factories import RSVP, create_privilege, error_codes, grant, pk, redeem

N = 8


async def test_n_parallel_redemptions_of_the_last_unit_exactly_one_succeeds(
    staff_client, member_client
):
    # given N members holding a privilege with one unit left
    staff = await staff_client(StaffRole.OPERATOR)
    privilege = (await create_privilege(staff, totalStock=1))["privilege"]
    members = [await member_client() for _ in range(N)]
    for member in members:
        await grant(staff, member, privilege["id"])

    # when they all redeem at the same moment
    results = await asyncio.gather(
        *(redeem(m, privilegeId=privilege["id"], idempotencyKey="now") for m in members)
    )

    # then exactly one got it and the others were told it is out of stock
    assert sorted(tuple(error_codes(r)) for r in results) == [()] + [("OUT_OF_STOCK",)] * (N - 1)
    assert await PrivilegeRedemption.filter(privilege_id=pk(privilege["id"])).count() == 1


async def test_n_parallel_redemptions_by_one_member_respect_the_quota(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    privilege = (await create_privilege(staff, quota=1, quotaPeriod="YEAR"))["privilege"]
    member = await member_client()
    await grant(staff, member, privilege["id"])

    results = await asyncio.gather(
        *(redeem(member, privilegeId=privilege["id"], idempotencyKey=f"k{i}") for i in range(N))
    )

    assert sorted(tuple(error_codes(r)) for r in results) == [()] + [("QUOTA_USED",)] * (N - 1)


async def test_n_parallel_retries_with_one_key_redeem_once(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    privilege = (await create_privilege(staff, quota=5, quotaPeriod="MONTH"))["privilege"]
    member = await member_client()
    await grant(staff, member, privilege["id"])

    results = await asyncio.gather(
        *(redeem(member, privilegeId=privilege["id"], idempotencyKey="one-tap") for _ in range(N))
    )

    assert all(r["errors"] == [] for r in results)
    assert sorted(r["replayed"] for r in results) == [False] + [True] * (N - 1)
    assert await PrivilegeRedemption.filter(member_id=member.member_id).count() == 1


async def test_n_parallel_rsvps_for_the_last_seat_exactly_one_gets_it(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    privilege = (await create_privilege(staff, kind="EVENT", totalStock=1))["privilege"]
    members = [await member_client() for _ in range(N)]
    for member in members:
        await grant(staff, member, privilege["id"])

    results = await asyncio.gather(
        *(m.execute(RSVP, {"input": {"privilegeId": privilege["id"]}}) for m in members)
    )

    codes = sorted(tuple(error_codes(r["privilegeRsvp"])) for r in results)
    assert codes == [()] + [("OUT_OF_STOCK",)] * (N - 1)
    assert await PrivilegeRsvp.filter(privilege_id=pk(privilege["id"])).count() == 1
