"""List queries cost a fixed number of SQL statements whatever the page size."""

from __future__ import annotations

from koc.auth.models import StaffRole
from tests.segments.factories import create_segment
from tests.sqlcount import count_statements
from tests.surveys.helpers import create_survey, open_survey

STAFF_LIST = """
query($first: Int!) {
  surveys(first: $first) {
    totalCount
    edges { node { id title status version responseCount
      audience { mode rule segment { name memberCount } memberCount }
      versions { number }
      questions { key options { key } } } }
  }
}
"""

MEMBER_LIST = """
query($first: Int!) {
  me { surveys(first: $first) { totalCount edges { node { id myStatus
    myDraft { savedAt } questions { key options { key } } } } } }
}
"""


async def _count(client, query: str, first: int) -> int:
    with count_statements() as counter:
        data = await client.execute(query, {"first": first})
    assert data
    return counter.count


async def test_the_staff_survey_list_costs_the_same_for_2_or_20(staff_client):
    # given surveys for everyone, for a rule and for saved segments
    staff = await staff_client(StaffRole.OPERATOR)
    for i in range(6):
        segment = await create_segment(staff, {"created": {"withinDays": 30}}, name=f"S{i}")
        audiences = [{}, {"rule": {"stage": {"in": ["CUSTOMER"]}}}, {"segmentId": segment["id"]}]
        await create_survey(staff, title=f"Survey {i}", audience=audiences[i % 3] or None)
    assert await _count(staff, STAFF_LIST, 2) == await _count(staff, STAFF_LIST, 20)


async def test_me_surveys_costs_the_same_for_2_or_20(staff_client, member_client):
    # given open surveys for everyone, for a rule and for saved segments the member is in
    staff = await staff_client(StaffRole.OPERATOR)
    for i in range(6):
        segment = await create_segment(staff, {"created": {"withinDays": 30}}, name=f"S{i}")
        audiences = [{}, {"rule": {"created": {"withinDays": 1}}}, {"segmentId": segment["id"]}]
        await open_survey(staff, title=f"Survey {i}", audience=audiences[i % 3] or None)
    member = await member_client()
    small, large = await _count(member, MEMBER_LIST, 2), await _count(member, MEMBER_LIST, 20)
    assert small == large
    data = await member.execute(MEMBER_LIST, {"first": 20})
    assert data["me"]["surveys"]["totalCount"] == 6
