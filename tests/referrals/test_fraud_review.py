"""Fraud signals flag a binding into the review queue; its rewards wait for referralReview."""

from datetime import timedelta

from koc.auth.models import PartnerScope, StaffRole
from koc.members.models import Member
from koc.referrals.models import Referral
from tests.conftest import make_member
from tests.referrals.helpers import (
    ISSUE_DUE,
    bind,
    code_of,
    make_due,
    now,
    record_order,
    referrals_of,
)

QUEUE = """
{ referrals(filter: {reviewStatus: PENDING}, first: 50) { totalCount edges { node {
    id fraudSignals deviceId riskRank referrer { id } referee { id } } } } }"""

REVIEW = """
mutation($input: ReferralReviewInput!) {
  referralReview(input: $input) {
    referral { reviewStatus reviewNote steps { kind note } rewards { status } }
    errors { field code }
  }
}"""


async def _queue(staff):
    data = await staff.execute(QUEUE)
    return [e["node"] for e in data["referrals"]["edges"]]


async def _seed_referrals(referrer_id: int, count: int, bound_at, **fields) -> None:
    for _ in range(count):
        referee = await make_member(**fields)
        await Referral.create(
            referrer_id=referrer_id,
            referee_id=referee.id,
            code="SEEDED",
            channel="SHARE",
            bound_at=bound_at,
            expires_at=bound_at + timedelta(days=180),
            milestone_at=bound_at,
        )


async def test_a_shared_device_is_flagged(member_client, staff_client):
    analyst = await staff_client(StaffRole.ANALYST)
    referrer = await member_client()
    code = await code_of(referrer)
    # the referrer opened their own link on their phone (refused, but the device is known)
    await bind(referrer, code, deviceId="phone-1")
    friend = await member_client()
    await bind(friend, code, deviceId="phone-1")
    [flagged] = await _queue(analyst)
    assert flagged["fraudSignals"] == ["SHARED_DEVICE"]
    assert flagged["deviceId"] == "phone-1"
    assert flagged["referee"] == {"id": friend.member_gid}


async def test_one_device_for_several_referees_is_flagged(member_client, staff_client):
    analyst = await staff_client(StaffRole.ANALYST)
    referrer = await member_client()
    code = await code_of(referrer)
    first, second = await member_client(), await member_client()
    await bind(first, code, deviceId="farm-phone")
    await bind(second, code, deviceId="farm-phone")
    assert [r["referee"]["id"] for r in await _queue(analyst)] == [second.member_gid]


async def test_a_burst_of_bindings_is_flagged(member_client, staff_client):
    analyst = await staff_client(StaffRole.ANALYST)
    referrer = await member_client()
    code = await code_of(referrer)
    # 10 bindings within the hour (the default limit), 30 within the day
    await _seed_referrals(referrer.member_id, 10, now() - timedelta(minutes=30))
    eleventh = await member_client()
    await bind(eleventh, code)
    assert [r["fraudSignals"] for r in await _queue(analyst)] == [["BURST_HOUR"]]

    other = await member_client()
    await _seed_referrals(other.member_id, 30, now() - timedelta(hours=5))
    late = await member_client()
    await bind(late, await code_of(other))
    signals = {r["referee"]["id"]: r["fraudSignals"] for r in await _queue(analyst)}
    assert signals[late.member_gid] == ["BURST_DAY"]


async def test_referral_loops_are_flagged(member_client, staff_client):
    analyst = await staff_client(StaffRole.ANALYST)
    a, b = await member_client(), await member_client()
    # A -> B, then B brings A: A -> B -> A
    await bind(b, await code_of(a))
    await Referral.filter(referee_id=a.member_id).delete()
    await bind(a, await code_of(b))
    assert [r["fraudSignals"] for r in await _queue(analyst)] == [["LOOP"]]
    # X -> Y -> Z, then Z brings X: a loop of three
    x, y, z = await member_client(), await member_client(), await member_client()
    await bind(y, await code_of(x))
    await bind(z, await code_of(y))
    await bind(x, await code_of(z))
    signals = {r["referee"]["id"]: r["fraudSignals"] for r in await _queue(analyst)}
    assert signals[x.member_gid] == ["LOOP"]


async def test_many_referees_who_never_order_are_flagged(member_client, staff_client):
    analyst = await staff_client(StaffRole.ANALYST)
    referrer = await member_client()
    await _seed_referrals(referrer.member_id, 10, now() - timedelta(days=45))
    newcomer = await member_client()
    await bind(newcomer, await code_of(referrer))
    assert [r["fraudSignals"] for r in await _queue(analyst)] == [["IDLE_REFEREES"]]


async def test_referees_who_order_keep_the_referrer_clean(member_client, staff_client):
    analyst = await staff_client(StaffRole.ANALYST)
    referrer = await member_client()
    await _seed_referrals(referrer.member_id, 10, now() - timedelta(days=45))
    # half of them bought
    await Member.filter(
        id__in=await Referral.filter(referrer_id=referrer.member_id)
        .limit(5)
        .values_list("referee_id", flat=True)
    ).update(order_count=1)
    newcomer = await member_client()
    await bind(newcomer, await code_of(referrer))
    assert await _queue(analyst) == []


async def test_a_high_risk_rank_is_flagged(member_client, staff_client):
    analyst = await staff_client(StaffRole.ANALYST)
    referrer, risky, fine = await member_client(), await member_client(), await member_client()
    code = await code_of(referrer)
    await bind(risky, code, riskRank=4)
    await bind(fine, code, riskRank=1)
    [flagged] = await _queue(analyst)
    assert (flagged["referee"]["id"], flagged["riskRank"], flagged["fraudSignals"]) == (
        risky.member_gid,
        4,
        ["RISK_RANK"],
    )


async def test_held_rewards_follow_the_review(member_client, staff_client, partner_client):
    operator = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer = await member_client()
    code = await code_of(referrer)
    approved, rejected = await member_client(), await member_client()
    await bind(approved, code, riskRank=4)
    await bind(rejected, code, riskRank=4)
    await record_order(partner, approved.member_id)
    await record_order(partner, rejected.member_id)
    await make_due()
    # flagged: rewards are HELD, the job leaves them alone
    assert (await operator.execute(ISSUE_DUE))["rewardsIssueDue"]["issuedCount"] == 0
    queue = {r["referee"]["id"]: r["id"] for r in await _queue(operator)}

    ok = await operator.execute(
        REVIEW,
        {"input": {"referralId": queue[approved.member_gid], "decision": "APPROVE", "note": "met"}},
    )
    no = await operator.execute(
        REVIEW,
        {
            "input": {
                "referralId": queue[rejected.member_gid],
                "decision": "REJECT",
                "note": "same household",
            }
        },
    )

    assert ok["referralReview"]["referral"]["reviewStatus"] == "APPROVED"
    assert ok["referralReview"]["referral"]["rewards"] == [{"status": "PENDING"}]
    assert no["referralReview"]["referral"]["rewards"] == [{"status": "REJECTED"}]
    assert no["referralReview"]["referral"]["steps"][-1] == {
        "kind": "REJECTED",
        "note": "same household",
    }
    assert await _queue(operator) == []
    assert (await operator.execute(ISSUE_DUE))["rewardsIssueDue"]["issuedCount"] == 1
    again = await operator.execute(
        REVIEW,
        {"input": {"referralId": queue[approved.member_gid], "decision": "REJECT", "note": "x"}},
    )
    assert again["referralReview"]["errors"] == [{"field": "referralId", "code": "NOT_PENDING"}]
    # a rejected referral's orders no longer count as referred
    statuses = {
        r["referee"]["id"]: [c["status"] for c in r["conversions"]]
        for r in await referrals_of(operator, referrer.member_id)
    }
    assert statuses == {approved.member_gid: ["ACTIVE"], rejected.member_gid: ["REJECTED"]}
    admin = await staff_client(StaffRole.ADMIN)
    data = await admin.execute(
        '{ auditLog(action: "referral.review") { edges { node { after } } } }'
    )
    assert sorted(e["node"]["after"]["reviewStatus"] for e in data["auditLog"]["edges"]) == [
        "APPROVED",
        "REJECTED",
    ]


async def test_analysts_read_the_queue_but_only_operators_decide(member_client, staff_client):
    referrer, risky = await member_client(), await member_client()
    await bind(risky, await code_of(referrer), riskRank=4)
    analyst = await staff_client(StaffRole.ANALYST)
    [flagged] = await _queue(analyst)
    errors = await analyst.errors(
        REVIEW, {"input": {"referralId": flagged["id"], "decision": "APPROVE"}}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    errors = await referrer.errors(
        REVIEW, {"input": {"referralId": flagged["id"], "decision": "APPROVE"}}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
