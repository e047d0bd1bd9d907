"""Members edit their own profile; staff may edit anyone's, with an audit entry."""

from datetime import date

from koc.audit.models import AuditEntry
from koc.auth.models import StaffRole
from koc.members.models import Member
from tests.conftest import gid

UPDATE = """mutation($i: MemberProfileUpdateInput!) { memberProfileUpdate(input: $i) {
  member { nickname avatarUrl gender birthday region } errors { field code } } }"""


async def test_member_updates_own_profile(member_client):
    me = await member_client(nickname="old", region="Beijing")
    data = await me.execute(
        UPDATE, {"i": {"nickname": " Xiao Li ", "gender": "FEMALE", "birthday": "1990-04-01"}}
    )
    assert data["memberProfileUpdate"] == {
        "member": {
            "nickname": "Xiao Li",
            "avatarUrl": "",
            "gender": "FEMALE",
            "birthday": "1990-04-01",
            "region": "Beijing",
        },
        "errors": [],
    }
    assert (await Member.get(id=me.member_id)).birthday == date(1990, 4, 1)


async def test_member_cannot_update_someone_else(member_client):
    me = await member_client()
    other = await Member.create(nickname="other")
    errors = await me.errors(
        UPDATE, {"i": {"memberId": gid("Member", other.id), "nickname": "hacked"}}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await Member.get(id=other.id)).nickname == "other"


async def test_bad_values_change_nothing(member_client):
    me = await member_client(nickname="keep")
    cases = [
        ({"nickname": "x" * 65}, "nickname"),
        ({"avatarUrl": "http://insecure.example/a.png"}, "avatarUrl"),
        ({"birthday": "1800-01-01"}, "birthday"),
        ({"birthday": "2999-01-01"}, "birthday"),
        ({"region": "r" * 65, "nickname": "new"}, "region"),
    ]
    for payload, field in cases:
        data = (await me.execute(UPDATE, {"i": payload}))["memberProfileUpdate"]
        assert data["errors"] == [{"field": field, "code": "INVALID"}]
    assert (await Member.get(id=me.member_id)).nickname == "keep"


async def test_operator_updates_a_member_with_audit(staff_client):
    op = await staff_client(StaffRole.OPERATOR)
    member = await Member.create(nickname="a")
    data = await op.execute(
        UPDATE, {"i": {"memberId": gid("Member", member.id), "region": "Hangzhou"}}
    )
    assert data["memberProfileUpdate"]["member"]["region"] == "Hangzhou"
    assert (
        await AuditEntry.filter(action="member.profile_update", object_id=str(member.id)).count()
        == 1
    )
    missing = await op.execute(UPDATE, {"i": {"region": "x"}})
    assert missing["memberProfileUpdate"]["errors"] == [{"field": "memberId", "code": "INVALID"}]
    analyst = await staff_client(StaffRole.ANALYST)
    errors = await analyst.errors(
        UPDATE, {"i": {"memberId": gid("Member", member.id), "region": "x"}}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
