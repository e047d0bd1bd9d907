"""Recording what partner apps report. Every write is idempotent per (partner, externalId)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from koc import hooks
from koc.errors import DomainError
from koc.members.models import Member, MemberIdentity
from koc.members.phones import normalize_phone
from koc.members.services import count_order
from koc.orders.errors import IngestionErrorCode
from koc.orders.models import MemberEvent, MemberEventKind, Order, OrderStatus, Refund

EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
CATEGORY_RE = re.compile(r"^[\w\-. /]{1,64}$")
MAX_AMOUNT_CENTS = 10**12  # ten billion in major units: far above any real order
MAX_PAYLOAD_BYTES = 4096
# Reports from the future beyond clock skew are mistakes.
MAX_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class MemberRef:
    """Exactly one way to name a member, as a partner knows them."""

    member_id: int | None = None
    unionid: str | None = None
    openid: str | None = None
    appid: str | None = None
    phone: str | None = None


@dataclass
class OrderInput:
    external_id: str
    member: MemberRef
    amount_cents: int
    currency: str
    category: str
    occurred_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. referralCode, for later features


@dataclass(frozen=True)
class Recorded:
    """What a write produced, and whether it was a replay of an earlier identical call."""

    obj: Any
    replayed: bool


def _fingerprint(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _check_external_id(value: str) -> None:
    if not EXTERNAL_ID_RE.match(value):
        raise DomainError(
            IngestionErrorCode.INVALID,
            "externalId must be 1-64 letters, digits or _ . : -",
            "externalId",
        )


def _check_time(value: datetime, field_name: str) -> datetime:
    if value.tzinfo is None:
        raise DomainError(IngestionErrorCode.INVALID, "Time must carry a time zone.", field_name)
    value = value.astimezone(UTC)
    if value > datetime.now(UTC) + MAX_CLOCK_SKEW:
        raise DomainError(IngestionErrorCode.INVALID, "Time is in the future.", field_name)
    return value


def validate_ref(ref: MemberRef) -> None:
    given = [v for v in (ref.member_id, ref.unionid, ref.openid, ref.phone) if v is not None]
    if len(given) != 1:
        raise DomainError(
            IngestionErrorCode.MEMBER_REFERENCE_INVALID,
            "Name the member by exactly one of memberId, unionid, openid or phone.",
            "member",
        )
    if ref.phone is not None and normalize_phone(ref.phone) is None:
        raise DomainError(
            IngestionErrorCode.MEMBER_REFERENCE_INVALID, "Phone is not a valid number.", "member"
        )
    for text in (ref.unionid, ref.openid, ref.appid):
        if text is not None and not 1 <= len(text) <= 64:
            raise DomainError(
                IngestionErrorCode.MEMBER_REFERENCE_INVALID,
                "Identifier must be 1-64 characters.",
                "member",
            )


async def resolve_member(ref: MemberRef, default_appid: str, *, create: bool = True) -> Member:
    """Find the member a reference names.

    An unknown unionid or phone creates a prospect member (the partner met a person we had not
    seen yet); an unknown member id or openid cannot, and is an error.
    """
    validate_ref(ref)
    if ref.member_id is not None:
        member = await Member.get_or_none(id=ref.member_id)
    elif ref.openid is not None:
        identity = await MemberIdentity.get_or_none(
            appid=ref.appid or default_appid, openid=ref.openid
        ).select_related("member")
        member = identity.member if identity else None
    elif ref.unionid is not None:
        member = await Member.get_or_none(unionid=ref.unionid)
        if member is None and create:
            member = await _create_prospect(unionid=ref.unionid)
    else:
        phone = normalize_phone(ref.phone or "")
        member = await Member.get_or_none(phone=phone)
        if member is None and create:
            member = await _create_prospect(phone=phone)
    if member is None:
        raise DomainError(
            IngestionErrorCode.MEMBER_NOT_FOUND, "No member matches this reference.", "member"
        )
    return member


async def _create_prospect(**identity: Any) -> Member:
    # Two partners reporting the same new person at once: the unique index decides, the loser
    # reads the winner's row. The savepoint keeps the outer transaction usable.
    try:
        async with in_transaction():
            return await Member.create(source_channel="partner", **identity)
    except IntegrityError:
        member = await Member.get_or_none(**identity)
        if member is None:
            raise
        return member


async def _replay_or_conflict(
    model: Any, partner_id: int, external_id: str, fingerprint: str
) -> Any | None:
    existing = await model.get_or_none(partner_id=partner_id, external_id=external_id)
    if existing is None:
        return None
    if existing.fingerprint != fingerprint:
        raise DomainError(
            IngestionErrorCode.IDEMPOTENCY_CONFLICT,
            "This externalId was already reported with different content.",
            "externalId",
        )
    return existing


async def _insert_once(model: Any, **fields: Any) -> Recorded:
    """Insert a row unique per (partner, external_id). When a concurrent replay inserted it
    first, the unique index decides and the caller gets that row as a replay (or a conflict)."""
    try:
        async with in_transaction():
            return Recorded(await model.create(**fields), replayed=False)
    except IntegrityError:
        existing = await _replay_or_conflict(
            model, fields["partner_id"], fields["external_id"], fields["fingerprint"]
        )
        if existing is None:
            raise
        return Recorded(existing, replayed=True)


async def record_order(partner_id: int, data: OrderInput, default_appid: str) -> Recorded:
    """Record a paid order; a replay returns the original. Fires ``hooks.order_recorded``."""
    _check_external_id(data.external_id)
    validate_ref(data.member)
    if not 0 < data.amount_cents <= MAX_AMOUNT_CENTS:
        raise DomainError(
            IngestionErrorCode.INVALID, "amountCents must be a positive integer.", "amountCents"
        )
    if not CURRENCY_RE.match(data.currency):
        raise DomainError(
            IngestionErrorCode.INVALID, "currency must be an ISO 4217 code like CNY.", "currency"
        )
    category = data.category.strip()
    if not CATEGORY_RE.match(category):
        raise DomainError(
            IngestionErrorCode.INVALID, "category must be 1-64 characters.", "category"
        )
    occurred_at = _check_time(data.occurred_at, "occurredAt")
    fingerprint = _fingerprint(
        {
            "member": data.member.__dict__,
            "amount": data.amount_cents,
            "currency": data.currency,
            "category": category,
            "occurredAt": occurred_at.isoformat(),
            "extra": data.extra,
        }
    )
    async with in_transaction():
        existing = await _replay_or_conflict(Order, partner_id, data.external_id, fingerprint)
        if existing is not None:
            return Recorded(existing, replayed=True)
        member = await resolve_member(data.member, default_appid)
        inserted = await _insert_once(
            Order,
            partner_id=partner_id,
            external_id=data.external_id,
            member_id=member.id,
            amount_cents=data.amount_cents,
            currency=data.currency,
            category=category,
            occurred_at=occurred_at,
            fingerprint=fingerprint,
        )
        if inserted.replayed:
            return inserted
        order = inserted.obj
        member = await Member.get(id=member.id).select_for_update()
        await count_order(member, +1)
        await hooks.order_recorded.send(order=order, member=member, context=data.extra)
    return Recorded(order, replayed=False)


async def refund_order(
    partner_id: int,
    external_id: str,
    order_external_id: str,
    amount_cents: int | None,
    occurred_at: datetime,
) -> Recorded:
    """Refund all (``amount_cents`` None) or part of an order the same partner reported."""
    _check_external_id(external_id)
    if amount_cents is not None and not 0 < amount_cents <= MAX_AMOUNT_CENTS:
        raise DomainError(
            IngestionErrorCode.INVALID, "amountCents must be a positive integer.", "amountCents"
        )
    occurred_at = _check_time(occurred_at, "occurredAt")
    fingerprint = _fingerprint(
        {"order": order_external_id, "amount": amount_cents, "occurredAt": occurred_at.isoformat()}
    )
    async with in_transaction():
        existing = await _replay_or_conflict(Refund, partner_id, external_id, fingerprint)
        if existing is not None:
            return Recorded(existing, replayed=True)
        order = await Order.get_or_none(
            partner_id=partner_id, external_id=order_external_id
        ).select_for_update()
        if order is None:
            raise DomainError(
                IngestionErrorCode.ORDER_NOT_FOUND,
                "No such order from this partner.",
                "orderExternalId",
            )
        remaining = order.amount_cents - order.refunded_cents
        amount = remaining if amount_cents is None else amount_cents
        if amount <= 0 or amount > remaining:
            raise DomainError(
                IngestionErrorCode.REFUND_EXCEEDS_ORDER,
                f"At most {remaining} cents of this order can still be refunded.",
                "amountCents",
            )
        inserted = await _insert_once(
            Refund,
            partner_id=partner_id,
            external_id=external_id,
            order_id=order.id,
            amount_cents=amount,
            occurred_at=occurred_at,
            fingerprint=fingerprint,
        )
        if inserted.replayed:
            return inserted
        refund = inserted.obj
        was_counted = order.status is not OrderStatus.REFUNDED
        order.refunded_cents += amount
        order.status = (
            OrderStatus.REFUNDED
            if order.refunded_cents >= order.amount_cents
            else OrderStatus.PARTIALLY_REFUNDED
        )
        await order.save(update_fields=["refunded_cents", "status"])
        member = await Member.get(id=order.member_id).select_for_update()
        if was_counted and order.status is OrderStatus.REFUNDED:
            await count_order(member, -1)
        await hooks.order_refunded.send(order=order, refund=refund, member=member)
    return Recorded(refund, replayed=False)


async def record_member_event(
    partner_id: int,
    external_id: str,
    ref: MemberRef,
    kind: MemberEventKind,
    occurred_at: datetime,
    payload: dict[str, Any] | None,
    default_appid: str,
) -> Recorded:
    """Record something a member did (a test drive, an event attended, content posted)."""
    _check_external_id(external_id)
    validate_ref(ref)
    occurred_at = _check_time(occurred_at, "occurredAt")
    payload = payload or {}
    if not isinstance(payload, dict):
        raise DomainError(IngestionErrorCode.INVALID, "payload must be a JSON object.", "payload")
    if len(json.dumps(payload)) > MAX_PAYLOAD_BYTES:
        raise DomainError(
            IngestionErrorCode.INVALID, f"payload is at most {MAX_PAYLOAD_BYTES} bytes.", "payload"
        )
    fingerprint = _fingerprint(
        {
            "member": ref.__dict__,
            "kind": kind.value,
            "occurredAt": occurred_at.isoformat(),
            "payload": payload,
        }
    )
    async with in_transaction():
        existing = await _replay_or_conflict(MemberEvent, partner_id, external_id, fingerprint)
        if existing is not None:
            return Recorded(existing, replayed=True)
        member = await resolve_member(ref, default_appid)
        inserted = await _insert_once(
            MemberEvent,
            partner_id=partner_id,
            external_id=external_id,
            member_id=member.id,
            kind=kind,
            occurred_at=occurred_at,
            payload=payload,
            fingerprint=fingerprint,
        )
        if inserted.replayed:
            return inserted
        event = inserted.obj
        await hooks.member_event_recorded.send(event=event, member=member)
    return Recorded(event, replayed=False)
