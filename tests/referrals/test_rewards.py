"""Rewards: tiers by conversions in a period, the hold period, the issue job, early decisions."""

import asyncio
import os
import sys

from koc.auth.models import PartnerScope, StaffRole
from tests.referrals.helpers import (
    ISSUE_DUE,
    POINTS,
    bind,
    code_of,
    make_due,
    record_order,
    referrals_of,
)

TIERS = """
mutation($input: ReferralProgramUpdateInput!) {
  referralProgramUpdate(input: $input) { errors { field code message } }
}"""

REWARD_REVIEW = """
mutation($input: RewardReviewInput!) {
  rewardReview(input: $input) { reward { status points issuedAt note } errors { field code } }
}"""

MY_REWARDS = """
query($status: ReferralRewardStatus) { me { pointsBalance
  referralRewards(status: $status) { totalCount edges { node { id role points status tier } } } } }"""


async def _refer(member_client, partner, referrer, amount=100_000_00):
    referee = await member_client()
    await bind(referee, await code_of(referrer))
    await record_order(partner, referee.member_id, amount)
    return referee


async def test_the_fifth_conversion_in_the_year_earns_more(
    member_client, staff_client, partner_client
):
    operator = await staff_client(StaffRole.OPERATOR)
    data = await operator.execute(
        TIERS,
        {
            "input": {
                "tierPeriod": "YEAR",
                "tiers": [
                    {"fromConversion": 5, "referrerPoints": 500, "refereePoints": 50},
                    {"fromConversion": 1, "referrerPoints": 100},
                ],
            }
        },
    )
    assert data["referralProgramUpdate"]["errors"] == []
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer = await member_client()
    referees = [await _refer(member_client, partner, referrer) for _ in range(5)]

    data = await referrer.execute(MY_REWARDS)
    rewards = [e["node"] for e in data["me"]["referralRewards"]["edges"]]
    # newest first: the fifth conversion is on the top tier
    assert [(r["tier"], r["points"]) for r in rewards] == [(5, 500)] + [(1, 100)] * 4
    assert {r["status"] for r in rewards} == {"PENDING"}
    fifth_referee = referees[-1]
    data = await fifth_referee.execute(MY_REWARDS)
    assert [
        (e["node"]["role"], e["node"]["points"]) for e in data["me"]["referralRewards"]["edges"]
    ] == [("REFEREE", 50)]


async def test_rewards_wait_for_the_hold_then_the_job_issues_them(
    member_client, staff_client, partner_client
):
    operator = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer = await member_client()
    await _refer(member_client, partner, referrer)

    # during the hold (14 days by default) nothing is issued
    data = await operator.execute(ISSUE_DUE)
    assert data["rewardsIssueDue"] == {"issuedCount": 0, "failedCount": 0, "errors": []}
    # once the hold has passed the job issues it, once
    await make_due()
    first = await operator.execute(ISSUE_DUE)
    second = await operator.execute(ISSUE_DUE)
    assert first["rewardsIssueDue"]["issuedCount"] == 1
    assert second["rewardsIssueDue"]["issuedCount"] == 0
    data = await operator.execute(POINTS, {"id": referrer.member_gid})
    assert data["member"]["pointsBalance"] == 100
    assert [e["node"] for e in data["member"]["pointsLedger"]["edges"]] == [
        {"delta": 100, "balanceAfter": 100, "reason": "REFERRAL_REWARD", "reference": "reward:1"}
        | {"reference": data["member"]["pointsLedger"]["edges"][0]["node"]["reference"]}
    ]
    assert data["member"]["pointsLedger"]["edges"][0]["node"]["reference"].startswith("reward:")


async def test_staff_issue_early_or_reject(member_client, staff_client, partner_client):
    operator = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer = await member_client()
    await _refer(member_client, partner, referrer)
    await _refer(member_client, partner, referrer)
    data = await referrer.execute(MY_REWARDS)
    early, rejected = [e["node"]["id"] for e in data["me"]["referralRewards"]["edges"]]

    data = await operator.execute(
        REWARD_REVIEW, {"input": {"rewardId": early, "decision": "APPROVE"}}
    )
    assert data["rewardReview"]["reward"]["status"] == "ISSUED"
    assert data["rewardReview"]["reward"]["issuedAt"] is not None
    data = await operator.execute(
        REWARD_REVIEW, {"input": {"rewardId": rejected, "decision": "REJECT"}}
    )
    assert data["rewardReview"]["errors"] == [{"field": "note", "code": "INVALID"}]
    data = await operator.execute(
        REWARD_REVIEW,
        {"input": {"rewardId": rejected, "decision": "REJECT", "note": "friend of staff"}},
    )
    assert data["rewardReview"]["reward"]["status"] == "REJECTED"
    data = await operator.execute(
        REWARD_REVIEW, {"input": {"rewardId": rejected, "decision": "APPROVE"}}
    )
    assert data["rewardReview"]["errors"] == [{"field": "rewardId", "code": "NOT_PENDING"}]

    await make_due()
    assert (await operator.execute(ISSUE_DUE))["rewardsIssueDue"]["issuedCount"] == 0
    data = await referrer.execute(MY_REWARDS)
    assert data["me"]["pointsBalance"] == 100
    admin = await staff_client(StaffRole.ADMIN)
    audit = await admin.execute(
        '{ auditLog(action: "referral_reward.review") { edges { node { action } } } }'
    )
    actions = [e["node"]["action"] for e in audit["auditLog"]["edges"]]
    assert actions == ["referral_reward.review"] * 2


async def test_a_privilege_reward_that_cannot_be_granted_fails_visibly(
    member_client, staff_client, partner_client
):
    operator = await staff_client(StaffRole.OPERATOR)
    await operator.execute(
        TIERS,
        {
            "input": {
                "tiers": [
                    {"fromConversion": 1, "referrerPoints": 0, "privilege": "NO-SUCH-PRIVILEGE"}
                ]
            }
        },
    )
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer = await member_client()
    await _refer(member_client, partner, referrer)
    await make_due()
    data = await operator.execute(ISSUE_DUE)
    assert data["rewardsIssueDue"]["failedCount"] == 1
    [referral] = await referrals_of(operator, referrer.member_id)
    [reward] = referral["rewards"]
    assert (reward["kind"], reward["privilege"], reward["status"]) == (
        "PRIVILEGE",
        "NO-SUCH-PRIVILEGE",
        "FAILED",
    )
    assert reward["note"]


async def test_the_issue_due_command(member_client, partner_client, staff_client, settings):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer = await member_client()
    await _refer(member_client, partner, referrer)
    await make_due()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "koc.cli",
        "rewards",
        "issue-due",
        env={**os.environ, "KOC_DATABASE_URL": settings.database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert "Issued 1 referral rewards, 0 failed" in out.decode()
    data = await referrer.execute(MY_REWARDS, {"status": "ISSUED"})
    assert data["me"]["referralRewards"]["totalCount"] == 1
    assert data["me"]["pointsBalance"] == 100
