"""A refunded order reverses its conversion; unissued rewards are clawed back, issued points
debited, and a balance that goes negative is flagged."""

from koc.auth.models import PartnerScope, StaffRole
from koc.referrals import ledger
from koc.referrals.models import PointsReason
from tests.referrals.helpers import (
    ISSUE_DUE,
    POINTS,
    bind,
    code_of,
    make_due,
    record_event,
    record_order,
    referrals_of,
    refund,
)


async def _converted(member_client, partner):
    referrer, referee = await member_client(), await member_client()
    await bind(referee, await code_of(referrer))
    await record_event(partner, referee.member_id, "DEPOSIT_PAID")
    order = await record_order(partner, referee.member_id, 200_000_00)
    return referrer, referee, order["order"]["externalId"]


async def test_a_refund_before_issue_claws_back_the_pending_reward(
    member_client, staff_client, partner_client
):
    partner = await partner_client([PartnerScope.ORDERS_WRITE, PartnerScope.EVENTS_WRITE])
    staff = await staff_client(StaffRole.OPERATOR)
    referrer, _, external_id = await _converted(member_client, partner)

    await refund(partner, external_id)

    [referral] = await referrals_of(staff, referrer.member_id)
    assert referral["milestone"] == "DEPOSIT"
    assert referral["steps"][-1]["kind"] == "REVERSED"
    assert [c["status"] for c in referral["conversions"]] == ["REVERSED"]
    assert [r["status"] for r in referral["rewards"]] == ["CLAWED_BACK"]
    await make_due()
    data = await staff.execute(ISSUE_DUE)
    assert data["rewardsIssueDue"]["issuedCount"] == 0
    data = await staff.execute(POINTS, {"id": referrer.member_gid})
    assert data["member"]["pointsBalance"] == 0
    assert data["member"]["pointsLedger"]["edges"] == []


async def test_a_partial_refund_keeps_the_conversion(member_client, staff_client, partner_client):
    partner = await partner_client([PartnerScope.ORDERS_WRITE, PartnerScope.EVENTS_WRITE])
    staff = await staff_client(StaffRole.ANALYST)
    referrer, _, external_id = await _converted(member_client, partner)
    await refund(partner, external_id, 1_000_00)
    [referral] = await referrals_of(staff, referrer.member_id)
    assert referral["milestone"] == "CONVERTED"
    assert [r["status"] for r in referral["rewards"]] == ["PENDING"]


async def test_issued_points_are_debited_and_a_negative_balance_is_flagged(
    member_client, staff_client, partner_client
):
    partner = await partner_client([PartnerScope.ORDERS_WRITE, PartnerScope.EVENTS_WRITE])
    staff = await staff_client(StaffRole.OPERATOR)
    referrer, _, external_id = await _converted(member_client, partner)
    await make_due()
    assert (await staff.execute(ISSUE_DUE))["rewardsIssueDue"]["issuedCount"] == 1
    # the referrer spends 60 of their 100 points (another feature debits the ledger)
    await ledger.post_points(referrer.member_id, -60, PointsReason.CLAWBACK, "spent", "spend-1")

    await refund(partner, external_id)

    data = await referrer.execute(
        "{ me { pointsBalance pointsNegativeSince pointsLedger { edges { node { delta balanceAfter reason reference } } } "
        "referralRewards { edges { node { status } } } } }"
    )
    me = data["me"]
    assert me["pointsBalance"] == -60
    assert me["pointsNegativeSince"] is not None
    assert [e["node"]["delta"] for e in me["pointsLedger"]["edges"]] == [-100, -60, 100]
    assert [e["node"]["balanceAfter"] for e in me["pointsLedger"]["edges"]] == [-60, 40, 100]
    assert me["pointsLedger"]["edges"][0]["node"]["reason"] == "CLAWBACK"
    assert [e["node"]["status"] for e in me["referralRewards"]["edges"]] == ["CLAWED_BACK"]
