"""Staff list and filter members; the page costs the same SQL whatever its size."""

from datetime import UTC, datetime, timedelta

from koc.auth.models import StaffRole
from koc.members.models import (
    LifecycleStage,
    Member,
    MemberTag,
    Tag,
    TagFamily,
    TagGroup,
    TagSource,
)
from tests.conftest import gid
from tests.sqlcount import count_statements

LIST = """query($f: MemberFilterInput, $first: Int, $after: String) {
  members(filter: $f, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id nickname stage { code } tags { tag { name group { name } } } } } } }"""


async def _seed():
    group = await TagGroup.create(name="Region", family=TagFamily.SOCIAL)
    sh = await Tag.create(group_id=group.id, name="Shanghai")
    bj = await Tag.create(group_id=group.id, name="Beijing")
    customer = await LifecycleStage.get(code="CUSTOMER")
    members = []
    for i in range(30):
        m = await Member.create(nickname=f"n{i:02d}", stage_id=customer.id if i % 3 == 0 else None)
        if i % 2 == 0:
            await MemberTag.create(member_id=m.id, tag_id=sh.id, source=TagSource.MANUAL)
        if i % 5 == 0:
            await MemberTag.create(member_id=m.id, tag_id=bj.id, source=TagSource.AUTO)
        members.append(m)
    return members, sh, bj


async def test_filters_by_tags_stage_and_text(staff_client):
    members, sh, bj = await _seed()
    staff = await staff_client(StaffRole.ANALYST)

    async def total(f):
        return (await staff.execute(LIST, {"f": f}))["members"]["totalCount"]

    assert await total(None) == 30
    assert await total({"tagsAll": [gid("Tag", sh.id), gid("Tag", bj.id)]}) == 3  # i % 10 == 0
    assert (
        await total({"tagsAny": [gid("Tag", sh.id), gid("Tag", bj.id)]}) == 18
    )  # evens + 5, 15, 25
    assert await total({"stages": ["CUSTOMER"]}) == 10
    assert await total({"search": "n1"}) == 10  # n10..n19
    assert await total({"createdFrom": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}) == 0


async def test_pages_follow_each_other_without_gaps(staff_client):
    members, _, _ = await _seed()
    staff = await staff_client(StaffRole.ANALYST)
    seen, after = [], None
    for _ in range(10):  # bounded: a cursor that does not advance must fail, not hang
        page = (await staff.execute(LIST, {"first": 7, "after": after}))["members"]
        seen += [e["node"]["nickname"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 30 and len(set(seen)) == 30
    assert seen[0] == "n29"  # newest first


async def test_page_size_limit(staff_client):
    staff = await staff_client(StaffRole.ANALYST)
    errors = await staff.errors(LIST, {"first": 101})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    errors = await staff.errors(LIST, {"after": "not-a-cursor"})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_statement_count_does_not_depend_on_page_size(staff_client):
    await _seed()
    staff = await staff_client(StaffRole.ANALYST)
    counts = []
    for first in (3, 25):  # the first 3 already hold a stage and tags: every loader runs
        with count_statements() as counter:
            await staff.execute(LIST, {"first": first})
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


async def test_members_and_unscoped_partners_cannot_list(member_client, partner_client):
    for client in [await member_client(), await partner_client(["orders:write"])]:
        errors = await client.errors(LIST)
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    reader = await partner_client(["members:read"])
    assert (await reader.execute(LIST))["members"]["totalCount"] >= 0
