"""A prospect found to be an existing member brings its discovery signals and KOC history."""

from koc.auth.models import StaffRole
from koc.creators.models import KocApplication, MemberSignals
from koc.members.models import Member
from tests.conftest import gid

BIND = """mutation($code: String!) { memberPhoneBind(code: $code) { errors { code } } }"""
REPORT = """
mutation {
  orderRecord(input: {externalId: "o-merge", member: {phone: "13600000009"}, amountCents: 900000,
    category: "vehicle", occurredAt: "2026-01-01T00:00:00Z"}) { errors { code } }
  memberEventRecord(input: {externalId: "e-merge", member: {phone: "13600000009"},
    kind: CONTENT_POSTED, occurredAt: "2026-01-02T00:00:00Z"}) { errors { code } }
}
"""


async def test_merged_prospect_signals_and_nomination_move_to_the_member(
    member_client, partner_client, staff_client, wechat_server
):
    # given a dealer reported an order and a post by phone, and staff nominated that prospect
    dealer = await partner_client(["orders:write", "events:write"])
    await dealer.execute(REPORT)
    prospect = await Member.get(phone="+8613600000009")
    operator = await staff_client(StaffRole.OPERATOR)
    await operator.execute(
        "mutation($m: ID!) { kocNominate(input: {memberId: $m, roles: [CONTENT]}) "
        "{ errors { code } } }",
        {"m": gid("Member", prospect.id)},
    )

    # when the signed-in member binds that phone
    member = await member_client()
    wechat_server.state.phone_codes["merge"] = "13600000009"
    assert (await member.execute(BIND, {"code": "merge"}))["memberPhoneBind"]["errors"] == []

    # then the signals, the profile and the nomination are the member's
    signals = await MemberSignals.get(member_id=member.member_id)
    assert (signals.order_count, signals.content_posts) == (1, 1)
    assert signals.score_overall > 0
    assert not await MemberSignals.exists(member_id=prospect.id)
    assert (await KocApplication.get()).member_id == member.member_id
    me = await member.execute("{ me { koc { status } kocApplication { kind status } } }")
    assert me["me"]["koc"] == {"status": "CANDIDATE"}
    assert me["me"]["kocApplication"] == {"kind": "NOMINATION", "status": "PENDING"}
