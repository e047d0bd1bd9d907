"""How referrals react to what the rest of koc records: orders (a counter referral code, then
attribution), refunds, test drives and deposits, KOC status changes and member merges.

koc/wiring.py connects these and the rollup's (attribution before the rollup counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from koc.events import (
    KocStatusChanged,
    MemberEventRecorded,
    MemberMerged,
    OrderRecorded,
    OrderRefunded,
)
from koc.orders.models import Order, OrderStatus
from koc.referrals.attribution import attribute_orders, record_milestone, reverse_order
from koc.referrals.binding import bind_at_counter
from koc.referrals.ledger import lock_account, post_points
from koc.referrals.models import (
    FraudSignal,
    PointsEntry,
    PointsReason,
    Referral,
    ReferralAccount,
    ReferralAttempt,
    ReferralCode,
    ReferralConversion,
    ReferralReward,
    ReferralStep,
    ReviewStatus,
    RewardStatus,
    StepKind,
)
from koc.referrals.steps import add_step


async def on_orders_recorded(events: Sequence[OrderRecorded]) -> None:
    # Offline referral given at the counter: bind first (same rules as a shared link; a refusal
    # is recorded and the order still stands), then attribute. The orders before a binding are
    # attributed before it, as if each order came alone.
    pending: list[Order] = []
    for e in events:
        code = e.context.get("referralCode")
        if code:
            await attribute_orders(pending)
            pending = []
            await bind_at_counter(e.member.id, str(code), e.order)
        pending.append(e.order)
    await attribute_orders(pending)


async def on_order_refunded(e: OrderRefunded) -> None:
    if e.order.status is OrderStatus.REFUNDED:
        await reverse_order(e.order)


async def on_member_event_recorded(e: MemberEventRecorded) -> None:
    await record_milestone(e.member_event)


async def on_koc_status_changed(e: KocStatusChanged) -> None:
    account = await lock_account(e.member.id)
    account.koc_status = str(e.status)[:32]
    await account.save(update_fields=["koc_status", "updated_at"])


async def on_member_merged(e: MemberMerged) -> None:
    """Move the prospect's referral rows to the member before the prospect is deleted."""
    prospect, member = e.prospect, e.member
    pid, mid = prospect.id, member.id
    await ReferralCode.filter(member_id=pid).update(member_id=mid, generated_for=None)
    await ReferralAttempt.filter(referee_id=pid).update(referee_id=mid)
    await ReferralAttempt.filter(referrer_id=pid).update(referrer_id=mid)
    theirs = await Referral.get_or_none(referee_id=pid)
    if theirs is not None:
        mine = await Referral.get_or_none(referee_id=mid)
        if mine is not None:
            # One binding per referee: the first touch wins, the other's history joins it.
            keep, drop = (mine, theirs) if mine.bound_at <= theirs.bound_at else (theirs, mine)
            for model in (ReferralConversion, ReferralReward, ReferralStep):
                await model.filter(referral_id=drop.id).update(referral_id=keep.id)
            await drop.delete()
        if mine is None or keep is theirs:
            await Referral.filter(id=theirs.id).update(referee_id=mid)
    await Referral.filter(referrer_id=pid).update(referrer_id=mid)
    await ReferralConversion.filter(referrer_id=pid).update(referrer_id=mid)
    await ReferralConversion.filter(referee_id=pid).update(referee_id=mid)
    await ReferralReward.filter(member_id=pid).update(member_id=mid)
    looped = await Referral.get_or_none(referrer_id=mid, referee_id=mid).select_for_update()
    if looped is not None:
        # The referee turned out to be the referrer (the merge matched their phone).
        signal = FraudSignal.SHARED_PHONE if prospect.phone else FraudSignal.SHARED_UNIONID
        looped.review_status = ReviewStatus.PENDING
        looped.fraud_signals = sorted({*looped.fraud_signals, signal.value})
        await looped.save(update_fields=["review_status", "fraud_signals"])
        await ReferralReward.filter(referral_id=looped.id, status=RewardStatus.PENDING).update(
            status=RewardStatus.HELD
        )
        await add_step(looped, StepKind.FLAGGED, datetime.now(UTC), note=signal.value)
    account = await ReferralAccount.get_or_none(member_id=pid)
    if account is not None and account.points_balance:
        await post_points(
            mid, account.points_balance, PointsReason.MERGE, f"member:{pid}", f"merge:{pid}"
        )
    await PointsEntry.filter(member_id=pid).delete()
    await ReferralAccount.filter(member_id=pid).delete()
