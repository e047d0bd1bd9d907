"""How referrals react to what the rest of koc records: orders (a counter referral code, then
attribution), refunds, test drives and deposits, KOC status changes and member merges.

This is the feature's one wiring module: it connects its own handlers and the rollup's, in
this order (attribution before the rollup counts), when the feature is imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from koc import hooks
from koc.members.models import Member
from koc.orders.models import MemberEvent, Order, OrderStatus
from koc.referrals import rollup
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


async def on_orders_recorded(calls: Sequence[dict[str, Any]]) -> None:
    # Offline referral given at the counter: bind first (same rules as a shared link; a refusal
    # is recorded and the order still stands), then attribute. The orders before a binding are
    # attributed before it, as if each order came alone.
    pending: list[Order] = []
    for call in calls:
        code = (call.get("context") or {}).get("referralCode")
        if code:
            await attribute_orders(pending)
            pending = []
            await bind_at_counter(call["member"].id, str(code), call["order"])
        pending.append(call["order"])
    await attribute_orders(pending)


async def on_order_refunded(order: Order, **_: Any) -> None:
    if order.status is OrderStatus.REFUNDED:
        await reverse_order(order)


async def on_member_event(event: MemberEvent, **_: Any) -> None:
    await record_milestone(event)


async def on_koc_status_changed(member: Member, status: Any, **_: Any) -> None:
    account = await lock_account(member.id)
    account.koc_status = str(getattr(status, "value", status))[:32]
    await account.save(update_fields=["koc_status", "updated_at"])


async def on_member_merged(prospect: Member, member: Member, **_: Any) -> None:
    """Move the prospect's referral rows to the member before the prospect is deleted."""
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


hooks.order_recorded.connect_batch(on_orders_recorded)
hooks.order_recorded.connect_batch(rollup.on_orders_recorded)
hooks.order_refunded.connect(on_order_refunded)
hooks.order_refunded.connect(rollup.on_order_refunded)
hooks.member_event_recorded.connect(on_member_event)
hooks.koc_status_changed.connect(on_koc_status_changed)
hooks.member_merged.connect(on_member_merged)
hooks.member_merged.connect(rollup.on_member_merged)
hooks.referral_converted.connect_batch(rollup.on_referrals_converted)
hooks.referral_reversed.connect(rollup.on_referral_reversed)
hooks.referral_reattributed.connect(rollup.on_referral_reattributed)
