"""Every member has a short unique code; staff give vanity codes and disable codes."""

from koc.auth.models import StaffRole
from tests.referrals.helpers import MY_CODE, bind, code_of

CODE_SET = """
mutation($input: ReferralCodeSetInput!) {
  referralCodeSet(input: $input) { referralCode { code vanity active scene wecomState } errors { field code } }
}"""


async def test_a_member_gets_one_stable_code_that_fits_scene_and_state(member_client):
    member = await member_client()
    first = (await member.execute(MY_CODE))["me"]["referralCode"]
    again = (await member.execute(MY_CODE))["me"]["referralCode"]
    assert first == again
    assert len(first["code"]) == 8 and first["vanity"] is False and first["active"] is True
    assert first["scene"] == f"r={first['code']}" and len(first["scene"]) <= 32
    assert first["wecomState"] == f"koc_r_{first['code']}" and len(first["wecomState"]) <= 30


async def test_staff_give_a_koc_a_vanity_code(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    koc, other, visitor = await member_client(), await member_client(), await member_client()
    old_code = await code_of(koc)

    data = await operator.execute(
        CODE_SET, {"input": {"memberId": koc.member_gid, "code": "nio-li"}}
    )
    assert data["referralCodeSet"]["referralCode"] == {
        "code": "NIO-LI",
        "vanity": True,
        "active": True,
        "scene": "r=NIO-LI",
        "wecomState": "koc_r_NIO-LI",
    }
    assert await code_of(koc) == "NIO-LI"
    # the old code, already on posters, still works
    assert (await bind(visitor, old_code))["errors"] == []
    # the vanity code belongs to one member only
    data = await operator.execute(
        CODE_SET, {"input": {"memberId": other.member_gid, "code": "NIO-LI"}}
    )
    assert data["referralCodeSet"]["errors"] == [{"field": "code", "code": "CODE_TAKEN"}]
    for bad in ("ab", "with space", "X" * 21):
        data = await operator.execute(
            CODE_SET, {"input": {"memberId": other.member_gid, "code": bad}}
        )
        assert data["referralCodeSet"]["errors"] == [{"field": "code", "code": "INVALID"}]


async def test_disabling_the_generated_code_makes_a_new_one(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    member, visitor = await member_client(), await member_client()
    leaked = await code_of(member)
    await operator.execute(
        CODE_SET, {"input": {"memberId": member.member_gid, "code": leaked, "active": False}}
    )
    fresh = await code_of(member)
    assert fresh != leaked
    assert [e["code"] for e in (await bind(visitor, leaked))["errors"]] == ["CODE_DISABLED"]
    assert (await bind(visitor, fresh))["errors"] == []


async def test_members_cannot_set_codes(member_client):
    member = await member_client()
    errors = await member.errors(
        CODE_SET, {"input": {"memberId": member.member_gid, "code": "MY-CODE"}}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
