"""Rewards and the fraud review: a conversion's rewards wait out their hold, are issued
(points on the ledger, or a privilege granted through the privileges feature), withdrawn on a
refund or a rejected review, or decided early by staff. Changes when how and when rewards are
paid changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.errors import DomainError
from koc.events import (
    ReferralReversed,
    ReferralRewardsChanged,
    RewardClawedBack,
    RewardIssued,
    publish,
)
from koc.jobs import NO_PROGRESS, Progress
from koc.orders.models import Order
from koc.privileges.grants import grant_privilege
from koc.referrals.errors import ReferralErrorCode
from koc.referrals.ledger import post_points
from koc.referrals.models import (
    ConversionStatus,
    PointsReason,
    Referral,
    ReferralConversion,
    ReferralReward,
    ReviewStatus,
    RewardKind,
    RewardStatus,
    StepKind,
)
from koc.referrals.steps import MAX_NOTE, add_step, check_note

ISSUE_BATCH = 1000


async def withdraw_rewards(
    rewards: QuerySet[ReferralReward], final: RewardStatus, note: str
) -> None:
    """End rewards that must not (or no longer) be paid: unissued ones become ``final``;
    issued points are debited back (CLAWED_BACK). An issued privilege is left granted."""
    for reward in await rewards.select_for_update().order_by("id"):
        if reward.status in (RewardStatus.PENDING, RewardStatus.HELD):
            reward.status = final
        elif reward.status is RewardStatus.ISSUED and reward.kind is RewardKind.POINTS:
            await post_points(
                reward.member_id,
                -reward.points,
                PointsReason.CLAWBACK,
                f"reward:{reward.id}",
                f"clawback:{reward.id}",
            )
            reward.status = RewardStatus.CLAWED_BACK
            await publish(RewardClawedBack(reward=reward))
        else:
            continue
        reward.note = note
        await reward.save(update_fields=["status", "note"])
        if reward.status is RewardStatus.CLAWED_BACK:
            await publish(ReferralRewardsChanged(reward_ids=[reward.id]))


async def review_referral(
    referral_id: int, approve: bool, note: str, *, actor: StaffViewer
) -> Referral:
    """Decide a flagged referral (audited). Approve: its held rewards resume their hold.
    Reject: its rewards are rejected and its conversions no longer count as referred."""
    note = check_note(note, "note", required=not approve)
    async with in_transaction():
        referral = await Referral.get_or_none(id=referral_id).select_for_update()
        if referral is None:
            raise DomainError(ReferralErrorCode.NOT_FOUND, "No such referral.", "referralId")
        if referral.review_status is not ReviewStatus.PENDING:
            raise DomainError(
                ReferralErrorCode.NOT_PENDING, "This referral is not awaiting review.", "referralId"
            )
        now = datetime.now(UTC)
        referral.review_status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
        referral.reviewed_by_id = actor.staff_id
        referral.reviewed_at = now
        referral.review_note = note
        await referral.save(
            update_fields=["review_status", "reviewed_by_id", "reviewed_at", "review_note"]
        )
        if approve:
            await ReferralReward.filter(referral_id=referral.id, status=RewardStatus.HELD).update(
                status=RewardStatus.PENDING
            )
        else:
            await withdraw_rewards(
                ReferralReward.filter(referral_id=referral.id),
                RewardStatus.REJECTED,
                "referral rejected",
            )
            conversions = await ReferralConversion.filter(
                referral_id=referral.id, status=ConversionStatus.ACTIVE
            )
            await ReferralConversion.filter(id__in=[c.id for c in conversions]).update(
                status=ConversionStatus.REJECTED
            )
            orders = {o.id: o for o in await Order.filter(id__in=[c.order_id for c in conversions])}
            for c in conversions:
                await publish(
                    ReferralReversed(
                        referrer_id=c.referrer_id, referee_id=c.referee_id, order=orders[c.order_id]
                    )
                )
        await add_step(
            referral,
            StepKind.APPROVED if approve else StepKind.REJECTED,
            now,
            staff_id=actor.staff_id,
            note=note,
        )
        await audit.record(
            actor,
            "referral.review",
            "Referral",
            referral.id,
            before={"reviewStatus": ReviewStatus.PENDING.value},
            after={"reviewStatus": referral.review_status.value, "note": note},
        )
    return referral


async def _grant_privilege(reward: ReferralReward) -> str | None:
    """Grant a PRIVILEGE reward through the privileges feature; what went wrong, or None."""
    try:
        async with in_transaction():
            await grant_privilege(
                reward.member_id,
                reward.privilege,
                reason=f"referral reward {reward.id}",
                actor=None,
            )
    except DomainError as exc:
        return exc.message
    return None


async def _issue(reward: ReferralReward, *, staff_id: int | None, note: str) -> bool:
    """Pay a locked PENDING reward now. True when issued, False when it failed."""
    problem = None
    if reward.kind is RewardKind.POINTS:
        await post_points(
            reward.member_id,
            reward.points,
            PointsReason.REFERRAL_REWARD,
            f"reward:{reward.id}",
            f"reward:{reward.id}",
        )
    else:
        problem = await _grant_privilege(reward)
    reward.status = RewardStatus.FAILED if problem else RewardStatus.ISSUED
    reward.issued_at = None if problem else datetime.now(UTC)
    reward.decided_by_id = staff_id
    reward.note = (problem or note)[:MAX_NOTE]
    await reward.save(update_fields=["status", "issued_at", "decided_by_id", "note"])
    if problem is None:
        await publish(RewardIssued(reward=reward))
        await publish(ReferralRewardsChanged(reward_ids=[reward.id]))
    return problem is None


@dataclass(frozen=True)
class IssueResult:
    issued: int
    failed: int


async def issue_due_rewards(
    limit: int = ISSUE_BATCH, progress: Progress = NO_PROGRESS
) -> IssueResult:
    """Issue PENDING rewards whose hold has passed, oldest first, each in its own
    transaction (a concurrent run skips what this one took)."""
    if not 1 <= limit <= 100_000:
        raise DomainError(ReferralErrorCode.INVALID, "limit is 1-100000.", "limit")
    ids = await (
        ReferralReward.filter(status=RewardStatus.PENDING, due_at__lte=datetime.now(UTC))
        .order_by("due_at", "id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    issued = failed = 0
    progress.expect(len(ids))
    for reward_id in ids:
        progress.advance()
        async with in_transaction():
            reward = await ReferralReward.get(id=reward_id).select_for_update()
            if reward.status is not RewardStatus.PENDING:
                continue
            if await _issue(reward, staff_id=None, note=""):
                issued += 1
            else:
                failed += 1
    return IssueResult(issued=issued, failed=failed)


async def decide_reward(
    reward_id: int, approve: bool, note: str, *, actor: StaffViewer
) -> ReferralReward:
    """Issue a reward before its hold ends, or reject it (audited)."""
    note = check_note(note, "note", required=not approve)
    async with in_transaction():
        reward = await ReferralReward.get_or_none(id=reward_id).select_for_update()
        if reward is None:
            raise DomainError(ReferralErrorCode.NOT_FOUND, "No such reward.", "rewardId")
        if reward.status not in (RewardStatus.PENDING, RewardStatus.HELD):
            raise DomainError(
                ReferralErrorCode.NOT_PENDING, "This reward was already decided.", "rewardId"
            )
        if approve and reward.status is RewardStatus.HELD:
            raise DomainError(
                ReferralErrorCode.REVIEW_PENDING,
                "The referral awaits a fraud review; decide it with referralReview first.",
                "rewardId",
            )
        before = {"status": reward.status.value}
        if approve:
            await _issue(reward, staff_id=actor.staff_id, note=note)
        else:
            reward.status = RewardStatus.REJECTED
            reward.decided_by_id = actor.staff_id
            reward.note = note
            await reward.save(update_fields=["status", "decided_by_id", "note"])
        await audit.record(
            actor,
            "referral_reward.review",
            "ReferralReward",
            reward.id,
            before=before,
            after={"status": reward.status.value, "note": reward.note},
        )
    return reward
