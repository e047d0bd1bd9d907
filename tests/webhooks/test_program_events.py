"""Rewards and badges leave koc too: a dealer's CRM learns a referral reward was issued (and
clawed back on a refund) and a badge awarded."""

from __future__ import annotations

from typing import Any

from koc.auth.models import PartnerScope, StaffRole
from tests.badges.factories import BADGE_AWARD, create_badge
from tests.conftest import gid
from tests.referrals.helpers import bind, code_of, record_order, refund
from tests.webhooks.helpers import feed, nodes

REWARD_REVIEW = """mutation($input: RewardReviewInput!) {
  rewardReview(input: $input) { reward { status } errors { field code } } }"""
MY_REWARDS = """{ me { referralRewards { edges { node { id role points } } } } }"""


async def test_a_reward_issued_then_clawed_back_on_refund(
    member_client, staff_client, partner_client, app: Any
):
    # given a referee whose order converted, and staff who issue the referrer's reward early
    operator = await staff_client(StaffRole.OPERATOR)
    pos = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer, referee = await member_client(), await member_client()
    await bind(referee, await code_of(referrer))
    await record_order(pos, referee.member_id, 100_000_00, external_id="ref-1")
    rewards = (await referrer.execute(MY_REWARDS))["me"]["referralRewards"]["edges"]
    [reward] = [e["node"] for e in rewards if e["node"]["role"] == "REFERRER"]
    issued = await operator.execute(
        REWARD_REVIEW, {"input": {"rewardId": reward["id"], "decision": "APPROVE"}}
    )
    assert issued["rewardReview"]["reward"]["status"] == "ISSUED"
    # when the order is refunded in full
    await refund(pos, "ref-1")
    # then partners read reward.issued and reward.clawed_back, naming the reward and member
    reader = await partner_client(["events:read"])
    events = nodes(await feed(reader, types=["REWARD_ISSUED", "REWARD_CLAWED_BACK"]))
    mine = [e for e in events if e["data"]["reward"]["id"] == reward["id"]]
    assert [e["type"] for e in mine] == ["reward.issued", "reward.clawed_back"]
    assert mine[0]["data"]["member"]["id"] == gid("Member", referrer.member_id)
    assert mine[0]["data"]["reward"]["points"] == reward["points"]
    assert mine[0]["data"]["reward"]["role"] == "REFERRER"


async def test_a_badge_awarded_by_staff(member_client, staff_client, partner_client, app: Any):
    operator = await staff_client(StaffRole.OPERATOR)
    badge = (await create_badge(operator, code="EARLY_OWNER", name="Early owner"))["badge"]
    member = await member_client()
    done = await operator.execute(
        BADGE_AWARD,
        {"input": {"memberId": member.member_gid, "badgeId": badge["id"], "reason": "First 100"}},
    )
    assert done["badgeAward"]["errors"] == []
    [event] = nodes(await feed(await partner_client(["events:read"]), types=["BADGE_AWARDED"]))
    assert event["data"] == {
        "badge": {"id": badge["id"], "code": "EARLY_OWNER"},
        "source": "STAFF",
        "member": {"id": member.member_gid, "phone": None, "unionid": None},
    }
