"""The periodic job: expired grants are marked EXPIRED, badges that need time are awarded."""

from datetime import UTC, datetime, timedelta

from koc.auth.models import StaffRole
from koc.badges.awards import evaluate_all
from koc.privileges.eligibility import refresh_all
from koc.privileges.models import GrantStatus, PrivilegeGrant
from tests.badges.factories import codes, create_badge, my_badges, record_order
from tests.privileges.factories import create_privilege, grant, pk


async def test_the_job_marks_expired_grants(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    privilege = (await create_privilege(staff))["privilege"]
    member = await member_client()
    await grant(staff, member, privilege["id"])
    await PrivilegeGrant.filter(privilege_id=pk(privilege["id"])).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )

    summary = await refresh_all()

    assert "1 expired" in summary
    row = await PrivilegeGrant.get(privilege_id=pk(privilege["id"]))
    assert row.status == GrantStatus.EXPIRED


async def test_the_job_awards_anniversaries_that_arrived_with_time(
    staff_client, member_client, partner_client
):
    # given a member whose first order is 364 days old and a one-year badge
    staff = await staff_client(StaffRole.OPERATOR)
    await create_badge(staff, code="ONE_YEAR", rule="YEARS_SINCE_FIRST_ORDER", threshold=1)
    member = await member_client()
    await record_order(
        await partner_client(["orders:write"]),
        member.member_gid,
        occurred_at=datetime.now(UTC) - timedelta(days=364),
    )
    assert codes(await my_badges(member)) == []

    # when the daily job runs two days later
    awarded = await evaluate_all(now=datetime.now(UTC) + timedelta(days=2))

    # then the badge is there
    assert awarded == 1
    assert codes(await my_badges(member)) == ["ONE_YEAR"]
