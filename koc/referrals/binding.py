"""Who referred whom: binding a referee to the first valid referrer (with the refusal rules
and fraud checks of the moment), and staff changing a binding (reattribution) or a referrer's
standing (ban). Changes when the rules of a valid referral change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.errors import DomainError
from koc.events import ReferralReattributed, publish
from koc.members.models import Member
from koc.orders.models import Order, OrderStatus
from koc.referrals import rules
from koc.referrals.errors import ReferralErrorCode
from koc.referrals.ledger import lock_account
from koc.referrals.models import (
    ConversionStatus,
    Milestone,
    Referral,
    ReferralAccount,
    ReferralAttempt,
    ReferralChannel,
    ReferralCode,
    ReferralConversion,
    ReferralReward,
    RefusalReason,
    ReviewStatus,
    RewardRole,
    RewardStatus,
    StepKind,
)
from koc.referrals.policy import Policy, policy
from koc.referrals.steps import add_step, check_note

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


def _person(member: Member) -> rules.Person:
    return rules.Person(id=member.id, unionid=member.unionid, phone=member.phone)


def refusal_error(reason: RefusalReason, field_name: str = "code") -> DomainError:
    return DomainError(ReferralErrorCode(reason.value), REFUSAL_MESSAGES[reason], field_name)


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


async def bind_at_counter(referee_id: int, code: str, order: Order) -> BindResult:
    """A referral code given with an order at a counter: the same rules as a shared link, as
    of the order's time. Call inside the transaction that records the order."""
    return await _bind(referee_id, code, ReferralChannel.ORDER, None, None, order=order)


async def _bind(
    referee_id: int,
    text: str,
    channel: ReferralChannel,
    device_id: str | None,
    risk_rank: int | None,
    *,
    order: Order | None,
) -> BindResult:
    at = order.occurred_at if order is not None else datetime.now(UTC)
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
    await add_step(referral, StepKind.LEAD, at, order_id=order.id if order else None)
    if signals:
        await add_step(referral, StepKind.FLAGGED, at, note=", ".join(s.value for s in signals))
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
    reason = check_note(reason, "reason", required=True)
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
        await publish(ReferralReattributed(referral_id=referral.id, referrer_id=referrer_id))
        await ReferralConversion.filter(
            referral_id=referral.id, status=ConversionStatus.ACTIVE
        ).update(referrer_id=referrer_id)
        await ReferralReward.filter(
            referral_id=referral.id,
            role=RewardRole.REFERRER,
            status__in=[RewardStatus.PENDING, RewardStatus.HELD],
        ).update(member_id=referrer_id)
        await add_step(
            referral, StepKind.REATTRIBUTED, datetime.now(UTC), staff_id=actor.staff_id, note=reason
        )
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
    reason = check_note(reason, "reason", required=banned)
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
