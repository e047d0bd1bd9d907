"""Badge fields on a list of members cost a constant number of SQL statements."""

from koc.auth.models import StaffRole
from tests.badges.factories import BADGE_AWARD, create_badge
from tests.conftest import gid, make_member
from tests.sqlcount import count_statements

MEMBERS = """
query($first: Int!) { members(first: $first) { edges { node {
  badges { badge { code } awardedBy }
  badgeProgress { current target badge { code } }
} } } }"""


async def test_member_badges_cost_does_not_depend_on_page_size(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    manual = (await create_badge(staff))["badge"]
    await create_badge(staff, rule="EVENTS_ATTENDED", threshold=3)
    for _ in range(20):
        member = await make_member()
        await staff.execute(
            BADGE_AWARD,
            {
                "input": {
                    "memberId": gid("Member", member.id),
                    "badgeId": manual["id"],
                    "reason": "Hi",
                }
            },
        )

    with count_statements() as small:
        page = await staff.execute(MEMBERS, {"first": 2})
    with count_statements() as large:
        page = await staff.execute(MEMBERS, {"first": 20})

    assert len(page["members"]["edges"]) == 20
    assert all(len(e["node"]["badges"]) == 1 for e in page["members"]["edges"])
    assert all(len(e["node"]["badgeProgress"]) == 1 for e in page["members"]["edges"])
    assert large.count == small.count, large.statements
