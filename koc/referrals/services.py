"""Referral operations: codes, binding, attribution, milestones, rewards and fraud review.

Plain arguments in, ``DomainError`` out. The hook handlers at the bottom connect this feature
to what the foundation records (orders, refunds, member events, merges) and to the creators
feature's KOC status changes; they run inside the caller's transaction.
"""

from __future__ import annotations

import importlib
import random
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from koc import hooks
from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.db import update_rows
from koc.errors import DomainError
from koc.jobs import NO_PROGRESS, Progress
from koc.members.models import Member
from koc.orders.models import MemberEvent, MemberEventKind, Order, OrderStatus
from koc.referrals import rules
from koc.referrals.errors import ReferralErrorCode
from koc.referrals.ledger import ensure_accounts, lock_account, post_points
from koc.referrals.models import (
    ConversionStatus,
    FraudSignal,
    Milestone,
    PointsEntry,
    PointsReason,
    QualifyingOrders,
    Referral,
    ReferralAccount,
    ReferralAttempt,
    ReferralChannel,
    ReferralCode,
    ReferralConversion,
    ReferralProgram,
    ReferralReward,
    ReferralStep,
    RefusalReason,
    ReviewStatus,
    RewardKind,
    RewardRole,
    RewardStatus,
    StepKind,
    TierPeriod,
)
from koc.rows import RowsByKey
from koc.settings import get_settings

PRIVILEGES_MODULE = "koc.privileges.services"
MAX_NOTE = 500
MAX_CATEGORIES = 50
MAX_MIN_AMOUNT_CENTS = 10**12
ISSUE_BATCH = 1000
_rng = random.SystemRandom()
# Read on every screen that shows a member's code.
ACTIVE_CODES = RowsByKey(ReferralCode, "member_id", active=True)

REFUSAL_MESSAGES = {
    RefusalReason.SELF_REFERRAL: "You cannot use your own referral code.",
    RefusalReason.SAME_IDENTITY: "The referrer and the referee share a WeChat identity or phone.",
    RefusalReason.ALREADY_CUSTOMER: "Only people who were not customers yet can be referred.",
    RefusalReason.REFERRER_PAUSED: "This referrer is paused.",
    RefusalReason.REFERRER_BANNED: "This referrer may not refer anyone.",
    RefusalReason.UNKNOWN_CODE: "No referral code matches.",
    RefusalReason.CODE_DISABLED: "This referral code is disabled.",
    RefusalReason.ALREADY_BOUND: "You were already referred by someone else.",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _person(member: Member) -> rules.Person:
    return rules.Person(id=member.id, unionid=member.unionid, phone=member.phone)


def _check_note(value: str, field_name: str, *, required: bool) -> str:
    value = value.strip()
    if len(value) > MAX_NOTE or (required and not value):
        size = "1-500" if required else "at most 500"
        raise DomainError(ReferralErrorCode.INVALID, f"Give {size} characters.", field_name)
    return value


def refusal_error(reason: RefusalReason, field_name: str = "code") -> DomainError:
    return DomainError(ReferralErrorCode(reason.value), REFUSAL_MESSAGES[reason], field_name)


@dataclass(frozen=True)
class Policy:
    window: timedelta
    hold: timedelta
    idle_after: timedelta
    limits: rules.FraudLimits


def policy() -> Policy:
    """The referral settings (``KOC_REFERRAL_*``) of this process."""
    s = get_settings()
    return Policy(
        window=timedelta(days=s.referral_attribution_window_days),
        hold=timedelta(days=s.referral_reward_hold_days),
        idle_after=timedelta(days=s.referral_idle_days),
        limits=rules.FraudLimits(
            per_hour=s.referral_burst_per_hour,
            per_day=s.referral_burst_per_day,
            idle_referees=s.referral_idle_referees,
            idle_share=0.8,
            risk_rank=s.referral_risk_rank,
        ),
    )


async def _step(
    referral: Referral,
    kind: StepKind,
    at: datetime,
    *,
    order_id: int | None = None,
    event_id: int | None = None,
    staff_id: int | None = None,
    note: str = "",
) -> None:
    await ReferralStep.create(
        referral_id=referral.id,
        kind=kind,
        at=at,
        order_id=order_id,
        event_id=event_id,
        staff_id=staff_id,
        note=note[:MAX_NOTE],
    )


# --- codes ---------------------------------------------------------------------------------


def _best_code(rows: Sequence[ReferralCode]) -> ReferralCode | None:
    return max(rows, key=lambda c: (c.vanity, c.id), default=None)


async def primary_codes(member_ids: Sequence[int]) -> list[ReferralCode]:
    """The code each member shares: their newest active vanity code, else their generated
    code, generated on first use. A constant number of statements for any number of members."""
    ids = list(dict.fromkeys(member_ids))
    found: dict[int, ReferralCode] = {}
    missing = ids
    # A generated code can collide with an existing one (31^8 codes): that member is simply
    # still missing after the insert and gets another try.
    for _ in range(4):
        rows = await ACTIVE_CODES.fetch(missing)
        for member_id in missing:
            best = _best_code([r for r in rows if r.member_id == member_id])
            if best is not None:
                found[member_id] = best
        missing = [i for i in missing if i not in found]
        if not missing:
            break
        await ReferralCode.bulk_create(
            [
                ReferralCode(code=rules.generate_code(_rng), member_id=m, generated_for=m)
                for m in missing
            ],
            ignore_conflicts=True,
        )
    return [found[i] for i in member_ids]


async def set_code(member_id: int, text: str, active: bool, *, actor: StaffViewer) -> ReferralCode:
    """Give a member a vanity code, or enable/disable one of their codes (audited)."""
    code = rules.normalize_code(text)
    if code is None or not rules.valid_vanity(code):
        raise DomainError(
            ReferralErrorCode.INVALID,
            f"A code is {rules.VANITY_MIN}-{rules.VANITY_MAX} letters, digits or hyphens.",
            "code",
        )
    async with in_transaction():
        if not await Member.exists(id=member_id):
            raise DomainError(ReferralErrorCode.NOT_FOUND, "No such member.", "memberId")
        row = await ReferralCode.get_or_none(code=code).select_for_update()
        if row is not None and row.member_id != member_id:
            raise DomainError(ReferralErrorCode.CODE_TAKEN, "Another member has this code.", "code")
        before = None if row is None else {"code": code, "active": row.active}
        if row is None:
            if not active:
                raise DomainError(
                    ReferralErrorCode.NOT_FOUND, "The member has no such code.", "code"
                )
            try:
                async with in_transaction():
                    row = await ReferralCode.create(code=code, member_id=member_id, vanity=True)
            except IntegrityError as exc:
                raise DomainError(
                    ReferralErrorCode.CODE_TAKEN, "Another member has this code.", "code"
                ) from exc
        else:
            row.active = active
            if not active:
                # Frees the member's generated slot: a fresh code is generated on next use.
                row.generated_for = None
            await row.save(update_fields=["active", "generated_for"])
        await audit.record(
            actor,
            "referral_code.set",
            "Member",
            member_id,
            before=before,
            after={"code": code, "active": active},
        )
    return row


# --- binding -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BindResult:
    """The binding the referee has after the call, and why a new one was refused (if so)."""

    referral: Referral | None
    refusal: RefusalReason | None = None


def _check_bind_input(code: str, device_id: str | None, risk_rank: int | None) -> None:
    if not code.strip() or len(code) > rules.MAX_CODE_INPUT:
        raise DomainError(ReferralErrorCode.INVALID, "Give a referral code.", "code")
    if device_id is not None and not 1 <= len(device_id) <= 64:
        raise DomainError(ReferralErrorCode.INVALID, "deviceId is 1-64 characters.", "deviceId")
    if risk_rank is not None and not 0 <= risk_rank <= 4:
        raise DomainError(ReferralErrorCode.INVALID, "riskRank is 0-4.", "riskRank")


async def bind_referral(
    referee_id: int,
    code: str,
    channel: ReferralChannel,
    *,
    device_id: str | None = None,
    risk_rank: int | None = None,
) -> BindResult:
    """Bind the signed-in referee to the owner of ``code`` (first touch). A refusal is
    recorded with its reason and returned, not raised; invalid input raises."""
    _check_bind_input(code, device_id, risk_rank)
    async with in_transaction():
        return await _bind(referee_id, code, channel, device_id, risk_rank, order=None)


async def _bind(
    referee_id: int,
    text: str,
    channel: ReferralChannel,
    device_id: str | None,
    risk_rank: int | None,
    *,
    order: Order | None,
) -> BindResult:
    at = order.occurred_at if order is not None else _now()
    # Locking the referee serializes two codes arriving at once for the same person.
    referee = await Member.get(id=referee_id).select_for_update()
    code = rules.normalize_code(text)
    code_row = await ReferralCode.get_or_none(code=code) if code else None
    attempt = {
        "code": text.strip()[:40],
        "referrer_id": code_row.member_id if code_row else None,
        "referee_id": referee_id,
        "channel": channel,
        "device_id": device_id,
        "risk_rank": risk_rank,
        "created_at": at,  # when the visit happened (an order's time for counter referrals)
    }

    async def refuse(reason: RefusalReason, existing: Referral | None = None) -> BindResult:
        await ReferralAttempt.create(**attempt, refusal=reason)
        return BindResult(existing, reason)

    if code_row is None:
        return await refuse(RefusalReason.UNKNOWN_CODE)
    if not code_row.active:
        return await refuse(RefusalReason.CODE_DISABLED)
    if code_row.member_id == referee_id:
        return await refuse(RefusalReason.SELF_REFERRAL)
    existing = await Referral.get_or_none(referee_id=referee_id)
    if existing is not None and existing.expires_at > at:
        if existing.referrer_id == code_row.member_id:
            return BindResult(existing)
        return await refuse(RefusalReason.ALREADY_BOUND, existing)
    referrer = await Member.get(id=code_row.member_id)
    account = await ReferralAccount.get_or_none(member_id=referrer.id)
    reason = rules.refusal_for(
        _person(referrer),
        _person(referee),
        referee_was_customer=await _was_customer(referee_id, order),
        referrer_koc_status=account.koc_status if account else "",
        referrer_banned=account.banned if account else False,
    )
    if reason is not None:
        return await refuse(reason, existing)
    pol = policy()
    facts = await _fraud_facts(referrer, referee, device_id, risk_rank, at, pol)
    signals = rules.fraud_signals(facts, pol.limits)
    values: dict[str, Any] = {
        "referrer_id": referrer.id,
        "code": code_row.code,
        "channel": channel,
        "device_id": device_id,
        "risk_rank": risk_rank,
        "bound_at": at,
        "expires_at": at + pol.window,
        "milestone": Milestone.LEAD,
        "milestone_at": at,
        "review_status": ReviewStatus.PENDING if signals else ReviewStatus.NONE,
        "fraud_signals": [s.value for s in signals],
        "reviewed_by_id": None,
        "reviewed_at": None,
        "review_note": "",
    }
    if existing is not None:
        # The earlier binding lapsed: this is a new first touch.
        await Referral.filter(id=existing.id).update(**values)
        referral = await Referral.get(id=existing.id)
    else:
        referral = await Referral.create(referee_id=referee_id, **values)
    await ReferralAttempt.create(**attempt, refusal=None)
    await _step(referral, StepKind.LEAD, at, order_id=order.id if order else None)
    if signals:
        await _step(referral, StepKind.FLAGGED, at, note=", ".join(s.value for s in signals))
    return BindResult(referral)


async def _was_customer(member_id: int, order: Order | None) -> bool:
    """Did the member have a paid, not fully refunded order before this visit (or order)?"""
    qs = Order.filter(member_id=member_id).exclude(status=OrderStatus.REFUNDED)
    if order is not None:
        qs = qs.exclude(id=order.id).filter(occurred_at__lte=order.occurred_at)
    return await qs.exists()


async def _fraud_facts(
    referrer: Member,
    referee: Member,
    device_id: str | None,
    risk_rank: int | None,
    at: datetime,
    pol: Policy,
) -> rules.FraudFacts:
    recent = Referral.filter(referrer_id=referrer.id, bound_at__lte=at).exclude(
        referee_id=referee.id
    )
    in_hour = await recent.filter(bound_at__gt=at - timedelta(hours=1)).count()
    in_day = await recent.filter(bound_at__gt=at - timedelta(days=1)).count()
    settled = recent.filter(bound_at__lt=at - pol.idle_after)
    settled_count = await settled.count()
    idle_count = await settled.filter(referee__order_count=0).count() if settled_count else 0
    # A device the referrer used themselves (opening a link, their own binding), or that
    # another of their referees bound from: one phone farming several "friends".
    shared_device = device_id is not None and (
        await ReferralAttempt.filter(referee_id=referrer.id, device_id=device_id).exists()
        or await recent.filter(device_id=device_id).exists()
    )
    referrer_of: dict[int, int] = {}
    current = referrer.id
    for _ in range(rules.MAX_LOOP_LENGTH - 1):
        parent = await Referral.get_or_none(referee_id=current).values_list(
            "referrer_id", flat=True
        )
        if parent is None:
            break
        referrer_of[current] = parent  # type: ignore[assignment]
        current = parent  # type: ignore[assignment]
    return rules.FraudFacts(
        referrer=_person(referrer),
        referee=_person(referee),
        referrer_devices=frozenset({device_id}) if shared_device and device_id else frozenset(),
        referee_device=device_id,
        bindings_last_hour=in_hour,
        bindings_last_day=in_day,
        idle_referees=idle_count,
        settled_referees=settled_count,
        loop=rules.closes_loop(referrer.id, referee.id, referrer_of),
        risk_rank=risk_rank,
    )


async def reattribute(
    referral_id: int, referrer_id: int, reason: str, *, actor: StaffViewer
) -> Referral:
    """Give a referral to another referrer (audited). Conversions still standing and their
    rewards not yet issued follow the binding; rewards already issued stay where they are."""
    reason = _check_note(reason, "reason", required=True)
    async with in_transaction():
        referral = await Referral.get_or_none(id=referral_id).select_for_update()
        if referral is None:
            raise DomainError(ReferralErrorCode.NOT_FOUND, "No such referral.", "referralId")
        if referral.referrer_id == referrer_id:
            raise DomainError(
                ReferralErrorCode.INVALID, "This member is already the referrer.", "referrerId"
            )
        referrer = await Member.get_or_none(id=referrer_id)
        if referrer is None:
            raise DomainError(ReferralErrorCode.NOT_FOUND, "No such member.", "referrerId")
        referee = await Member.get(id=referral.referee_id)
        account = await ReferralAccount.get_or_none(member_id=referrer_id)
        refusal = rules.refusal_for(
            _person(referrer),
            _person(referee),
            referee_was_customer=False,
            referrer_koc_status=account.koc_status if account else "",
            referrer_banned=account.banned if account else False,
        )
        if refusal is not None:
            raise refusal_error(refusal, "referrerId")
        before = referral.referrer_id
        referral.referrer_id = referrer_id
        await referral.save(update_fields=["referrer_id"])
        await hooks.referral_reattributed.send(referral_id=referral.id, referrer_id=referrer_id)
        await ReferralConversion.filter(
            referral_id=referral.id, status=ConversionStatus.ACTIVE
        ).update(referrer_id=referrer_id)
        await ReferralReward.filter(
            referral_id=referral.id,
            role=RewardRole.REFERRER,
            status__in=[RewardStatus.PENDING, RewardStatus.HELD],
        ).update(member_id=referrer_id)
        await _step(referral, StepKind.REATTRIBUTED, _now(), staff_id=actor.staff_id, note=reason)
        await audit.record(
            actor,
            "referral.reattribute",
            "Referral",
            referral.id,
            before={"referrerId": before},
            after={"referrerId": referrer_id, "reason": reason},
        )
    return referral


async def set_referrer_banned(
    member_id: int, banned: bool, reason: str, *, actor: StaffViewer
) -> ReferralAccount:
    """Ban a member from referring anyone (new bindings are refused), or lift the ban."""
    reason = _check_note(reason, "reason", required=banned)
    async with in_transaction():
        if not await Member.exists(id=member_id):
            raise DomainError(ReferralErrorCode.NOT_FOUND, "No such member.", "memberId")
        account = await lock_account(member_id)
        before = {"banned": account.banned, "reason": account.ban_reason}
        account.banned = banned
        account.ban_reason = reason if banned else ""
        await account.save(update_fields=["banned", "ban_reason", "updated_at"])
        await audit.record(
            actor,
            "referrer.status_set",
            "Member",
            member_id,
            before=before,
            after={"banned": banned, "reason": reason},
        )
    return account


# --- program -------------------------------------------------------------------------------


async def get_program() -> ReferralProgram:
    """The program's rules, created with the defaults on first use."""
    program = await ReferralProgram.get_or_none(id=1)
    if program is None:
        await ReferralProgram.bulk_create(
            [ReferralProgram(id=1, tiers=[t.to_json() for t in rules.DEFAULT_TIERS])],
            ignore_conflicts=True,
        )
        program = await ReferralProgram.get(id=1)
    return program


def program_rules(program: ReferralProgram) -> rules.ProgramRules:
    return rules.ProgramRules(
        qualifying=program.qualifying,
        min_amount_cents=program.min_amount_cents,
        categories=list(program.categories),
    )


def program_tiers(program: ReferralProgram) -> list[rules.RewardTier]:
    return [rules.RewardTier.from_json(t) for t in program.tiers]


@dataclass
class ProgramChange:
    """Fields to change; None leaves a field as it is."""

    qualifying: QualifyingOrders | None = None
    min_amount_cents: int | None = None
    categories: list[str] | None = None
    tier_period: TierPeriod | None = None
    tiers: list[rules.RewardTier] | None = field(default=None)


def _program_json(p: ReferralProgram) -> dict[str, Any]:
    return {
        "qualifying": p.qualifying.value,
        "minAmountCents": p.min_amount_cents,
        "categories": list(p.categories),
        "tierPeriod": p.tier_period.value,
        "tiers": list(p.tiers),
    }


async def update_program(change: ProgramChange, *, actor: StaffViewer) -> ReferralProgram:
    """Change the program's rules (audited). Applies to orders recorded from now on."""
    if change.min_amount_cents is not None and not (
        0 <= change.min_amount_cents <= MAX_MIN_AMOUNT_CENTS
    ):
        raise DomainError(
            ReferralErrorCode.INVALID, "minAmountCents must be 0 or more.", "minAmountCents"
        )
    categories = None
    if change.categories is not None:
        categories = list(dict.fromkeys(c.strip() for c in change.categories))
        if len(categories) > MAX_CATEGORIES or any(not 1 <= len(c) <= 64 for c in categories):
            raise DomainError(
                ReferralErrorCode.INVALID,
                f"Give at most {MAX_CATEGORIES} categories of 1-64 characters.",
                "categories",
            )
    if change.tiers is not None:
        tiers = sorted(change.tiers, key=lambda t: t.from_conversion)
        problem = rules.tier_problem(tiers)
        if problem:
            raise DomainError(ReferralErrorCode.INVALID, problem, "tiers")
    async with in_transaction():
        program = await get_program()
        program = await ReferralProgram.get(id=program.id).select_for_update()
        before = _program_json(program)
        if change.qualifying is not None:
            program.qualifying = change.qualifying
        if change.min_amount_cents is not None:
            program.min_amount_cents = change.min_amount_cents
        if categories is not None:
            program.categories = categories
        if change.tier_period is not None:
            program.tier_period = change.tier_period
        if change.tiers is not None:
            program.tiers = [t.to_json() for t in tiers]
        program.updated_by = actor.username
        await program.save()
        await audit.record(
            actor,
            "referral_program.update",
            "ReferralProgram",
            program.id,
            before=before,
            after=_program_json(program),
        )
    return program


# --- attribution, milestones, refunds ------------------------------------------------------


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
        for r in await Referral.filter(referee_id__in={o.member_id for o in orders})
        .order_by("id")
        .select_for_update()
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
    program = await get_program()
    qualifying = program_rules(program)
    active = set(
        await ReferralConversion.filter(
            referral_id__in={r.id for _, _, r in candidates}, status=ConversionStatus.ACTIVE
        ).values_list("referral_id", flat=True)
    )
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
    await (
        ReferralAccount.filter(member_id__in=referrer_ids).order_by("member_id").select_for_update()
    )
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
    await ReferralConversion.bulk_create(rows)
    stored = {
        c.order_id: c
        for c in await ReferralConversion.filter(order_id__in=[o.id for _, o, _ in converting])
    }
    rewards: list[ReferralReward] = []
    for index, order, referral in converting:
        conversion = converted[index] = stored[order.id]
        referral.milestone = Milestone.CONVERTED
        referral.milestone_at = order.occurred_at
        rewards += _rewards(referral, conversion, rules.tier_for(tiers, conversion.ordinal))
    await update_rows(
        list({r.id: r for _, _, r in converting}.values()), ["milestone", "milestone_at"]
    )
    await ReferralStep.bulk_create(
        [
            ReferralStep(referral_id=r.id, kind=StepKind.CONVERTED, at=o.occurred_at, order_id=o.id)
            for _, o, r in converting
        ]
    )
    await ReferralReward.bulk_create(rewards)
    await hooks.referral_converted.send_many(
        [
            {"referrer_id": r.referrer_id, "referee_id": r.referee_id, "order": o}
            for _, o, r in converting
        ]
    )
    return converted


async def _counted_conversions(
    period: TierPeriod, orders: Sequence[tuple[Order, Referral]]
) -> dict[int, list[datetime]]:
    """The times of the referrers' standing conversions that can count towards the ordinals
    of these orders (from the earliest period start to the latest order), sorted."""
    query = ReferralConversion.filter(
        referrer_id__in={r.referrer_id for _, r in orders},
        status=ConversionStatus.ACTIVE,
        occurred_at__lte=max(o.occurred_at for o, _ in orders),
    )
    starts = [rules.period_start(period, o.occurred_at) for o, _ in orders]
    if None not in starts:
        query = query.filter(occurred_at__gte=min(s for s in starts if s is not None))
    counted: dict[int, list[datetime]] = defaultdict(list)
    for referrer_id, at in await query.values_list("referrer_id", "occurred_at"):
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
    due_at = _now() + policy().hold
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


async def _withdraw_rewards(
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
        else:
            continue
        reward.note = note
        await reward.save(update_fields=["status", "note"])


async def reverse_order(order: Order) -> ReferralConversion | None:
    """A fully refunded order: its conversion is reversed and its rewards clawed back."""
    conversion = await ReferralConversion.get_or_none(
        order_id=order.id, status=ConversionStatus.ACTIVE
    ).select_for_update()
    if conversion is None:
        return None
    now = _now()
    conversion.status = ConversionStatus.REVERSED
    conversion.reversed_at = now
    await conversion.save(update_fields=["status", "reversed_at"])
    await _withdraw_rewards(
        ReferralReward.filter(conversion_id=conversion.id),
        RewardStatus.CLAWED_BACK,
        "order refunded",
    )
    referral = await Referral.get(id=conversion.referral_id).select_for_update()
    await _step(referral, StepKind.REVERSED, now, order_id=order.id)
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
    await hooks.referral_reversed.send(
        referrer_id=conversion.referrer_id, referee_id=conversion.referee_id, order=order
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
    await _step(referral, StepKind(reached.value), event.occurred_at, event_id=event.id)
    if rules.advance(referral.milestone, reached):
        referral.milestone = reached
        referral.milestone_at = event.occurred_at
        await referral.save(update_fields=["milestone", "milestone_at"])
    return referral


# --- review and rewards --------------------------------------------------------------------


async def review_referral(
    referral_id: int, approve: bool, note: str, *, actor: StaffViewer
) -> Referral:
    """Decide a flagged referral (audited). Approve: its held rewards resume their hold.
    Reject: its rewards are rejected and its conversions no longer count as referred."""
    note = _check_note(note, "note", required=not approve)
    async with in_transaction():
        referral = await Referral.get_or_none(id=referral_id).select_for_update()
        if referral is None:
            raise DomainError(ReferralErrorCode.NOT_FOUND, "No such referral.", "referralId")
        if referral.review_status is not ReviewStatus.PENDING:
            raise DomainError(
                ReferralErrorCode.NOT_PENDING, "This referral is not awaiting review.", "referralId"
            )
        now = _now()
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
            await _withdraw_rewards(
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
                await hooks.referral_reversed.send(
                    referrer_id=c.referrer_id, referee_id=c.referee_id, order=orders[c.order_id]
                )
        await _step(
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
        module = importlib.import_module(PRIVILEGES_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name not in ("koc.privileges", PRIVILEGES_MODULE):
            raise
        return "The privileges feature is not installed."
    grant = getattr(module, "grant_privilege", None)
    if grant is None:
        return "The privileges feature cannot grant privileges."
    try:
        async with in_transaction():
            await grant(
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
    reward.issued_at = None if problem else _now()
    reward.decided_by_id = staff_id
    reward.note = (problem or note)[:MAX_NOTE]
    await reward.save(update_fields=["status", "issued_at", "decided_by_id", "note"])
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
        ReferralReward.filter(status=RewardStatus.PENDING, due_at__lte=_now())
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
    note = _check_note(note, "note", required=not approve)
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


# --- hook handlers -------------------------------------------------------------------------


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
            await _bind(
                call["member"].id, str(code), ReferralChannel.ORDER, None, None, order=call["order"]
            )
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
        await _step(looped, StepKind.FLAGGED, _now(), note=signal.value)
    account = await ReferralAccount.get_or_none(member_id=pid)
    if account is not None and account.points_balance:
        await post_points(
            mid, account.points_balance, PointsReason.MERGE, f"member:{pid}", f"merge:{pid}"
        )
    await PointsEntry.filter(member_id=pid).delete()
    await ReferralAccount.filter(member_id=pid).delete()


hooks.order_recorded.connect_batch(on_orders_recorded)
hooks.order_refunded.connect(on_order_refunded)
hooks.member_event_recorded.connect(on_member_event)
hooks.koc_status_changed.connect(on_koc_status_changed)
hooks.member_merged.connect(on_member_merged)
