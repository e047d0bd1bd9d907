"""Attribution: orders of a bound referee become conversions of their referrer (with the
rewards of the tier they reach), refunds reverse them, and test drives and deposits move a
referral's milestone. Changes when the rules of what counts as a referred sale change."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from koc.db import update_rows
from koc.events import ReferralConverted, ReferralReversed, publish, publish_many
from koc.events.memo import once_per_version
from koc.orders.models import MemberEvent, MemberEventKind, Order
from koc.referrals import rules
from koc.referrals.ledger import ensure_accounts, lock_accounts
from koc.referrals.models import (
    ConversionStatus,
    Milestone,
    Referral,
    ReferralConversion,
    ReferralReward,
    ReferralStep,
    ReviewStatus,
    RewardKind,
    RewardRole,
    RewardStatus,
    StepKind,
    TierPeriod,
)
from koc.referrals.policy import policy
from koc.referrals.program import get_program, program_rules, program_tiers
from koc.referrals.rewards import withdraw_rewards
from koc.referrals.steps import add_step
from koc.rows import fetch_by_keys, fetch_models, insert_models, row_maker


async def attribute_orders(orders: Sequence[Order]) -> list[ReferralConversion | None]:
    """Attribute new orders to their referees' referrals when they qualify, as if one after
    the other, in a constant number of statements: one read when none of them converts, a
    dozen for the batch when some do. Call inside the transaction that recorded the orders
    (each order converts at most once: its conversion is unique)."""
    converted: list[ReferralConversion | None] = [None] * len(orders)
    if not orders:
        return converted
    referrals = {
        r.referee_id: r
        for r in await fetch_models(
            Referral, "referee_id", [o.member_id for o in orders], lock=True, order_by="id"
        )
    }
    candidates = [
        (index, order, referral)
        for index, order in enumerate(orders)
        if (referral := referrals.get(order.member_id)) is not None
        and referral.review_status is not ReviewStatus.REJECTED
        and rules.in_window(order.occurred_at, referral.bound_at, referral.expires_at)
    ]
    if not candidates:
        return converted
    # Read-only here (get_program hands out the row staff edit): kept while unchanged.
    program = await once_per_version("referrals.program", get_program)
    qualifying = program_rules(program)
    active = {
        referral_id
        for (referral_id,) in await fetch_by_keys(
            "SELECT referral_id FROM referral_conversion"
            " WHERE referral_id IN ({keys}) AND status = ?",
            [r.id for _, _, r in candidates],
            [ConversionStatus.ACTIVE.value],
        )
    }
    converting = []
    for index, order, referral in candidates:
        if rules.order_qualifies(
            qualifying,
            amount_cents=order.amount_cents,
            category=order.category,
            has_active_conversion=referral.id in active,
        ):
            converting.append((index, order, referral))
            active.add(referral.id)
    if not converting:
        return converted
    # The referrers' account locks serialize their conversions, so tier ordinals are exact.
    referrer_ids = sorted({r.referrer_id for _, _, r in converting})
    await ensure_accounts(referrer_ids)
    await lock_accounts(referrer_ids)
    counted = await _counted_conversions(program.tier_period, [(o, r) for _, o, r in converting])
    tiers = program_tiers(program)
    rows = []
    for _, order, referral in converting:
        # The referrer's ordinal: their standing conversions of the period up to this order's
        # time, those of this batch included.
        times = counted[referral.referrer_id]
        start = rules.period_start(program.tier_period, order.occurred_at)
        ordinal = bisect_right(times, order.occurred_at) + 1
        if start is not None:
            ordinal -= bisect_left(times, start)
        insort(times, order.occurred_at)
        rows.append(
            ReferralConversion(
                referral_id=referral.id,
                referrer_id=referral.referrer_id,
                referee_id=referral.referee_id,
                order_id=order.id,
                amount_cents=order.amount_cents,
                currency=order.currency,
                category=order.category,
                occurred_at=order.occurred_at,
                ordinal=ordinal,
            )
        )
    stored = {c.order_id: c for c in await insert_models(rows)}
    rewards: list[ReferralReward] = []
    for index, order, referral in converting:
        conversion = converted[index] = stored[order.id]
        referral.milestone = Milestone.CONVERTED
        referral.milestone_at = order.occurred_at
        rewards += _rewards(referral, conversion, rules.tier_for(tiers, conversion.ordinal))
    await update_rows(
        list({r.id: r for _, _, r in converting}.values()), ["milestone", "milestone_at"]
    )
    await insert_models(
        [
            ReferralStep(referral_id=r.id, kind=StepKind.CONVERTED, at=o.occurred_at, order_id=o.id)
            for _, o, r in converting
        ]
    )
    await insert_models(rewards)
    await publish_many(
        [
            ReferralConverted(referrer_id=r.referrer_id, referee_id=r.referee_id, order=o)
            for _, o, r in converting
        ]
    )
    return converted


class _Counted(NamedTuple):
    referrer_id: int
    occurred_at: datetime


async def _counted_conversions(
    period: TierPeriod, orders: Sequence[tuple[Order, Referral]]
) -> dict[int, list[datetime]]:
    """The times of the referrers' standing conversions that can count towards the ordinals
    of these orders (from the earliest period start to the latest order), sorted."""
    sql = (
        "SELECT referrer_id, occurred_at FROM referral_conversion"
        " WHERE referrer_id IN ({keys}) AND status = ? AND occurred_at <= ?"
    )
    params: list[Any] = [
        ConversionStatus.ACTIVE.value,
        max(o.occurred_at for o, _ in orders).astimezone(UTC),
    ]
    starts = [rules.period_start(period, o.occurred_at) for o, _ in orders]
    if None not in starts:
        sql += " AND occurred_at >= ?"
        params.append(min(s for s in starts if s is not None).astimezone(UTC))
    make = row_maker(_Counted)
    counted: dict[int, list[datetime]] = defaultdict(list)
    for row in await fetch_by_keys(sql, [r.referrer_id for _, r in orders], params):
        referrer_id, at = make(row)
        counted[referrer_id].append(at)
    for times in counted.values():
        times.sort()
    return counted


def _rewards(
    referral: Referral, conversion: ReferralConversion, tier: rules.RewardTier
) -> list[ReferralReward]:
    status = (
        RewardStatus.HELD
        if referral.review_status is ReviewStatus.PENDING
        else RewardStatus.PENDING
    )
    due_at = datetime.now(UTC) + policy().hold
    specs: list[tuple[RewardRole, RewardKind, int, str]] = []
    if tier.referrer_points:
        specs.append((RewardRole.REFERRER, RewardKind.POINTS, tier.referrer_points, ""))
    if tier.privilege:
        specs.append((RewardRole.REFERRER, RewardKind.PRIVILEGE, 0, tier.privilege))
    if tier.referee_points:
        specs.append((RewardRole.REFEREE, RewardKind.POINTS, tier.referee_points, ""))
    return [
        ReferralReward(
            key=f"conversion:{conversion.id}:{role.value}:{kind.value}",
            conversion_id=conversion.id,
            referral_id=referral.id,
            member_id=referral.referrer_id if role is RewardRole.REFERRER else referral.referee_id,
            role=role,
            kind=kind,
            points=points,
            privilege=privilege,
            tier=tier.from_conversion,
            status=status,
            due_at=due_at,
        )
        for role, kind, points, privilege in specs
    ]


async def reverse_order(order: Order) -> ReferralConversion | None:
    """A fully refunded order: its conversion is reversed and its rewards clawed back."""
    conversion = await ReferralConversion.get_or_none(
        order_id=order.id, status=ConversionStatus.ACTIVE
    ).select_for_update()
    if conversion is None:
        return None
    now = datetime.now(UTC)
    conversion.status = ConversionStatus.REVERSED
    conversion.reversed_at = now
    await conversion.save(update_fields=["status", "reversed_at"])
    await withdraw_rewards(
        ReferralReward.filter(conversion_id=conversion.id),
        RewardStatus.CLAWED_BACK,
        "order refunded",
    )
    referral = await Referral.get(id=conversion.referral_id).select_for_update()
    await add_step(referral, StepKind.REVERSED, now, order_id=order.id)
    if not await ReferralConversion.filter(
        referral_id=referral.id, status=ConversionStatus.ACTIVE
    ).exists():
        reached = await ReferralStep.filter(
            referral_id=referral.id,
            kind__in=[StepKind.LEAD, StepKind.TEST_DRIVE, StepKind.DEPOSIT],
            at__gte=referral.bound_at,
        ).values_list("kind", flat=True)
        referral.milestone = rules.milestone_after_reversal([Milestone(k) for k in reached])
        referral.milestone_at = now
        await referral.save(update_fields=["milestone", "milestone_at"])
    await publish(
        ReferralReversed(
            referrer_id=conversion.referrer_id, referee_id=conversion.referee_id, order=order
        )
    )
    return conversion


EVENT_MILESTONES = {
    MemberEventKind.TEST_DRIVE: Milestone.TEST_DRIVE,
    MemberEventKind.DEPOSIT_PAID: Milestone.DEPOSIT,
}


async def record_milestone(event: MemberEvent) -> Referral | None:
    """A test drive or deposit of a bound referee, inside the window: a step, and the
    referral's milestone moves forward."""
    reached = EVENT_MILESTONES.get(event.kind)
    if reached is None:
        return None
    referral = await Referral.get_or_none(referee_id=event.member_id).select_for_update()
    if (
        referral is None
        or referral.review_status is ReviewStatus.REJECTED
        or not rules.in_window(event.occurred_at, referral.bound_at, referral.expires_at)
    ):
        return None
    await add_step(referral, StepKind(reached.value), event.occurred_at, event_id=event.id)
    if rules.advance(referral.milestone, reached):
        referral.milestone = reached
        referral.milestone_at = event.occurred_at
        await referral.save(update_fields=["milestone", "milestone_at"])
    return referral
