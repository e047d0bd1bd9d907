"""Privilege fields on a list of members cost a constant number of SQL statements."""

from koc.auth.models import StaffRole
from koc.members.models import Member
from tests.conftest import gid, make_member
from tests.privileges.factories import a_tag, create_privilege, put_tag
from tests.sqlcount import count_statements

MEMBERS = """
query($first: Int!) { members(first: $first) { edges { node {
  privilegeGrants { status usesLeft rsvp { status } privilege { code remainingStock } }
} } } }"""


async def test_member_grants_cost_does_not_depend_on_page_size(staff_client):
    vip = await a_tag("VIP")
    for _ in range(20):
        member: Member = await make_member()
        await put_tag(member, vip)
    staff = await staff_client(StaffRole.OPERATOR)
    for kind in ("GIFT", "EVENT"):
        await create_privilege(
            staff,
            kind=kind,
            totalStock=50,
            audience={"rule": {"tags": {"any": [gid("Tag", vip.id)]}}},
        )

    with count_statements() as small:
        await staff.execute(MEMBERS, {"first": 2})
    with count_statements() as large:
        page = await staff.execute(MEMBERS, {"first": 20})

    assert all(len(e["node"]["privilegeGrants"]) == 2 for e in page["members"]["edges"])
    assert large.count == small.count, large.statements
