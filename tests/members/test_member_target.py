"""Every bulk change that names its members by memberIds or by a filter checks them alike
(memberTagsAdd and memberOwnerSet share one check): exactly one of the two, at least one ID, and
a filter whose segment exists and whose rule is well formed. A refused call changes nothing."""

import pytest

from koc.auth.models import StaffRole
from koc.members.models import Member, MemberTag, Tag, TagFamily, TagGroup
from tests.advisory.helpers import OWNER_SET, staff_gid
from tests.conftest import gid, make_member

TAGS_ADD = """mutation($input: MemberTagsInput!) { memberTagsAdd(input: $input) {
  matchedCount errors { field code } } }"""

CASES = [
    ({}, "memberIds", "INVALID"),  # neither
    ({"memberIds": None, "filter": None}, "memberIds", "INVALID"),  # neither, as nulls
    ({"memberIds": "member", "filter": {}}, "memberIds", "INVALID"),  # both
    ({"memberIds": []}, "memberIds", "NO_MEMBERS"),
    ({"filter": {"segmentId": gid("Segment", 999)}}, "filter.segmentId", "NOT_FOUND"),
    (
        {"filter": {"rule": {"orders": {"countAtLeast": 0}}}},
        "filter.rule.orders.countAtLeast",
        "INVALID_RULE",
    ),
]


async def _both(staff_client, named: dict, member: Member) -> tuple[dict, dict, int]:
    """memberTagsAdd and memberOwnerSet (to a new advisor) over the members ``named``."""
    operator = await staff_client(StaffRole.OPERATOR)
    advisor = await staff_client(StaffRole.ADVISOR)
    group = await TagGroup.create(name="Interests", family=TagFamily.CONSUMPTION)
    tag = await Tag.create(group_id=group.id, name="Outdoor")
    if named.get("memberIds") == "member":
        named = {**named, "memberIds": [gid("Member", member.id)]}
    tags = await operator.execute(TAGS_ADD, {"input": {"tagIds": [gid("Tag", tag.id)], **named}})
    owners = await operator.execute(
        OWNER_SET, {"input": {"advisorId": staff_gid(advisor), **named}}
    )
    return tags["memberTagsAdd"], owners["memberOwnerSet"], advisor.staff_id


@pytest.mark.parametrize(("named", "field", "code"), CASES)
async def test_tags_and_owners_refuse_the_same_member_lists(staff_client, named, field, code):
    member = await make_member()
    tags, owners, _ = await _both(staff_client, named, member)

    expected = [{"field": field, "code": code}]
    assert tags["errors"] == expected
    assert owners["errors"] == expected
    assert await MemberTag.all().count() == 0
    assert (await Member.get(id=member.id)).owner_id is None


@pytest.mark.parametrize("named", [{"memberIds": "member"}, {"filter": {"search": "picked"}}])
async def test_the_same_member_list_is_taken_by_both(staff_client, named):
    # control: a list both accept, by ID and by filter (the tags then change in a job)
    member = await make_member(nickname="picked")
    await make_member(nickname="other")
    tags, owners, advisor_id = await _both(staff_client, named, member)
    assert tags == {"matchedCount": 1, "errors": []}
    assert owners["errors"] == []
    assert (await Member.get(id=member.id)).owner_id == advisor_id
