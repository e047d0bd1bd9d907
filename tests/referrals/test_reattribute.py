"""Staff move a referral to another referrer, with a reason, audited; credit follows."""

from koc.auth.models import PartnerScope, StaffRole
from tests.referrals.helpers import bind, code_of, record_order, referrals_of

REATTRIBUTE = """
mutation($input: ReferralReattributeInput!) {
  referralReattribute(input: $input) {
    referral { referrer { id } steps { kind note } rewards { role status } }
    errors { field code }
  }
}"""


async def test_reattribution_moves_the_referral_and_its_unissued_rewards(
    member_client, staff_client, partner_client
):
    operator = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    wrong, right, referee = await member_client(), await member_client(), await member_client()
    await bind(referee, await code_of(wrong))
    await record_order(partner, referee.member_id)
    [referral] = await referrals_of(operator, wrong.member_id)

    data = await operator.execute(
        REATTRIBUTE,
        {
            "input": {
                "referralId": referral["id"],
                "referrerId": right.member_gid,
                "reason": "the sales advisor confirmed Li brought her",
            }
        },
    )

    moved = data["referralReattribute"]["referral"]
    assert moved["referrer"] == {"id": right.member_gid}
    assert moved["steps"][-1] == {
        "kind": "REATTRIBUTED",
        "note": "the sales advisor confirmed Li brought her",
    }
    assert await referrals_of(operator, wrong.member_id) == []
    data = await right.execute("{ me { referralRewards { totalCount } } }")
    assert data["me"]["referralRewards"]["totalCount"] == 1
    admin = await staff_client(StaffRole.ADMIN)
    data = await admin.execute(
        '{ auditLog(action: "referral.reattribute") { edges { node { before after } } } }'
    )
    [entry] = [e["node"] for e in data["auditLog"]["edges"]]
    assert entry["after"]["reason"] == "the sales advisor confirmed Li brought her"


async def test_reattribution_is_checked(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    referrer, referee = await member_client(), await member_client()
    await bind(referee, await code_of(referrer))
    [referral] = await referrals_of(operator, referrer.member_id)
    for variables, expected in (
        ({"referrerId": referee.member_gid, "reason": "x"}, [("referrerId", "SELF_REFERRAL")]),
        ({"referrerId": referrer.member_gid, "reason": "x"}, [("referrerId", "INVALID")]),
        ({"referrerId": referee.member_gid, "reason": ""}, [("reason", "INVALID")]),
        ({"referrerId": referral["id"], "reason": "x"}, [("referrerId", "INVALID")]),
    ):
        data = await operator.execute(
            REATTRIBUTE, {"input": {"referralId": referral["id"], **variables}}
        )
        errors = data["referralReattribute"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == expected
    analyst = await staff_client(StaffRole.ANALYST)
    errors = await analyst.errors(
        REATTRIBUTE,
        {"input": {"referralId": referral["id"], "referrerId": referee.member_gid, "reason": "x"}},
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
