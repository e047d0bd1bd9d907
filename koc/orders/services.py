"""Recording what partner apps report. Every write is idempotent per (partner, externalId).

About 540 lines: orders, refunds and member events share their validation, the resolution of
the member a partner names and the idempotent replay, and change together when ingestion does.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from tortoise.backends.base.client import TransactionalDBClient
from tortoise.connection import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from koc.errors import DomainError
from koc.events import MemberEventRecorded, OrderRecorded, OrderRefunded, publish, publish_many
from koc.events.memo import batch_memo
from koc.members.models import Member, MemberIdentity
from koc.members.phones import normalize_phone
from koc.members.services import count_order, count_orders
from koc.orders.errors import IngestionErrorCode
from koc.orders.models import MemberEvent, MemberEventKind, Order, OrderStatus, Refund
from koc.orders.prospects import create_prospect
from koc.rows import fetch_by_keys, fetch_models, insert_models

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
    (found,) = await resolve_members([ref], default_appid, create=create)
    if isinstance(found, DomainError):
        raise found
    return found


def _not_found() -> DomainError:
    return DomainError(
        IngestionErrorCode.MEMBER_NOT_FOUND, "No member matches this reference.", "member"
    )


async def resolve_members(
    refs: Sequence[MemberRef], default_appid: str, *, create: bool = True
) -> list[Member | DomainError]:
    """``resolve_member`` for many valid references at once: one statement per kind of
    reference used, then one insert per prospect to create. Each reference gets its member
    or the error that names it. A member found by id, unionid or phone is read as
    ``koc.rows.fetch_models`` reads it: write it back with ``update_rows``, never ``save()``."""
    ids = {r.member_id for r in refs if r.member_id is not None}
    unionids = {r.unionid for r in refs if r.unionid is not None}
    phones = {normalize_phone(r.phone) for r in refs if r.phone is not None}
    openids: dict[str, set[str]] = {}
    for r in refs:
        if r.openid is not None:
            openids.setdefault(r.appid or default_appid, set()).add(r.openid)
    # Fixed statements (koc.rows): the ORM builds each of these anew for every order.
    by_id = {m.id: m for m in await fetch_models(Member, "id", list(ids))}
    by_unionid = {m.unionid: m for m in await fetch_models(Member, "unionid", list(unionids))}
    by_phone = {m.phone: m for m in await fetch_models(Member, "phone", list(phones))}
    by_openid: dict[tuple[str, str], Member] = {}
    for appid, names in openids.items():
        for identity in await MemberIdentity.filter(appid=appid, openid__in=names).select_related(
            "member"
        ):
            by_openid[(appid, identity.openid)] = identity.member
    found: list[Member | DomainError] = []
    for r in refs:
        member: Member | None
        if r.member_id is not None:
            member = by_id.get(r.member_id)
        elif r.openid is not None:
            member = by_openid.get((r.appid or default_appid, r.openid))
        elif r.unionid is not None:
            member = by_unionid.get(r.unionid)
            if member is None and create:
                member = by_unionid[r.unionid] = await create_prospect(unionid=r.unionid)
        else:
            phone = normalize_phone(r.phone or "")
            member = by_phone.get(phone)
            if member is None and create:
                member = by_phone[phone] = await create_prospect(phone=phone)
        found.append(_not_found() if member is None else member)
    return found


def _replay_of(existing: Any, fingerprint: str) -> Recorded:
    """A row reported before under the same externalId: a replay, or a conflict."""
    if existing.fingerprint != fingerprint:
        raise DomainError(
            IngestionErrorCode.IDEMPOTENCY_CONFLICT,
            "This externalId was already reported with different content.",
            "externalId",
        )
    return Recorded(existing, replayed=True)


async def _replay_or_conflict(
    model: Any, partner_id: int, external_id: str, fingerprint: str
) -> Any | None:
    existing = await model.get_or_none(partner_id=partner_id, external_id=external_id)
    return None if existing is None else _replay_of(existing, fingerprint).obj


async def _insert_once(model: Any, **fields: Any) -> Recorded:
    """Insert a row unique per (partner, external_id). When a concurrent replay inserted it
    first, the unique index decides and the caller gets that row as a replay (or a conflict)."""
    try:
        async with in_transaction():
            (created,) = await insert_models([model(**fields)])
            return Recorded(created, replayed=False)
    except IntegrityError:
        existing = await _replay_or_conflict(
            model, fields["partner_id"], fields["external_id"], fields["fingerprint"]
        )
        if existing is None:
            raise
        return Recorded(existing, replayed=True)


@dataclass(frozen=True)
class _Checked:
    """An order that passed validation, with what is stored from it."""

    index: int
    data: OrderInput
    category: str
    occurred_at: datetime
    fingerprint: str


def _check_order(index: int, data: OrderInput) -> _Checked:
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
    return _Checked(index, data, category, occurred_at, fingerprint)


async def record_order(partner_id: int, data: OrderInput, default_appid: str) -> Recorded:
    """Record a paid order; a replay returns the original. Publishes ``OrderRecorded``."""
    (result,) = await record_orders(partner_id, [data], default_appid)
    if isinstance(result, DomainError):
        raise result
    return result


# PostgreSQL ends one of two transactions that wait on each other (deadlock_detected) or
# would not serialize (serialization_failure); the other commits. Batches with members or
# report rows in common can meet that way, and the whole transaction can simply run again.
RETRY_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 3


async def record_orders(
    partner_id: int, items: Sequence[OrderInput], default_appid: str
) -> list[Recorded | DomainError]:
    """Record paid orders, each exactly as a call of its own would, in one transaction: one
    result per item, in order, a ``Recorded`` or the ``DomainError`` that refused it.

    A refused item (invalid, a conflicting replay, an unknown member) is refused before
    anything is written for it, so it leaves nothing behind and the others still commit. The
    accepted ones are written together: one statement per kind of read or write for the whole
    batch, and their ``OrderRecorded`` events go out in one ``publish_many``. Run outside any
    transaction, a batch that lost a deadlock runs again (up to ``ATTEMPTS`` times).
    """
    outermost = not isinstance(connections.get("default"), TransactionalDBClient)
    attempt = 1
    while True:
        try:
            with batch_memo():  # the batch's handlers read each configuration row once
                return await _record_orders(partner_id, items, default_appid)
        except Exception as exc:
            lost = getattr(exc, "sqlstate", None) in RETRY_SQLSTATES
            if not (outermost and lost and attempt < ATTEMPTS):
                raise
            attempt += 1


async def _record_orders(
    partner_id: int, items: Sequence[OrderInput], default_appid: str
) -> list[Recorded | DomainError]:
    results: list[Recorded | DomainError | None] = [None] * len(items)
    checked: list[_Checked] = []
    for index, data in enumerate(items):
        try:
            checked.append(_check_order(index, data))
        except DomainError as exc:
            results[index] = exc
    async with in_transaction():
        existing = await _reported_before(partner_id, [c.data.external_id for c in checked])
        new: dict[str, _Checked] = {}
        repeated: list[_Checked] = []  # an externalId sent again later in the same batch
        for c in checked:
            if c.data.external_id in existing:
                try:
                    results[c.index] = _replay_of(existing[c.data.external_id], c.fingerprint)
                except DomainError as exc:
                    results[c.index] = exc
            elif c.data.external_id in new:
                repeated.append(c)
            else:
                new[c.data.external_id] = c
        pending = list(new.values())
        accepted: list[tuple[_Checked, Member]] = []
        members = await resolve_members([c.data.member for c in pending], default_appid)
        for c, member in zip(pending, members, strict=True):
            if isinstance(member, DomainError):
                results[c.index] = member
            else:
                accepted.append((c, member))
        buyers = await _lock_buyers([member for _, member in accepted])
        inserted = await _insert_orders(partner_id, accepted)
        fresh: list[tuple[_Checked, Order]] = []
        for (c, _), result in zip(accepted, inserted, strict=True):
            results[c.index] = result
            if isinstance(result, Recorded) and not result.replayed:
                fresh.append((c, result.obj))
        if fresh:
            per_buyer = Counter(order.member_id for _, order in fresh)
            await count_orders([(buyers[member_id], n) for member_id, n in per_buyer.items()])
            await publish_many(
                [
                    OrderRecorded(order=order, member=buyers[order.member_id], context=c.data.extra)
                    for c, order in fresh
                ]
            )
        if repeated:
            # Now a replay of (or a conflict with) the first one, as if sent one after the other.
            again = await _record_orders(partner_id, [c.data for c in repeated], default_appid)
            for c, result in zip(repeated, again, strict=True):
                results[c.index] = result
    return cast(list[Recorded | DomainError], results)  # every item has its result now


async def _reported_before(partner_id: int, external_ids: Sequence[str]) -> dict[str, Order]:
    """The orders among these externalIds that the partner reported before. Nearly always
    none: a fixed statement finds which, and only those are read as orders."""
    known = [
        external_id
        for (external_id,) in await fetch_by_keys(
            'SELECT external_id FROM "order" WHERE external_id IN ({keys}) AND partner_id = ?',
            external_ids,
            [partner_id],
        )
    ]
    if not known:
        return {}
    return {
        o.external_id: o for o in await Order.filter(partner_id=partner_id, external_id__in=known)
    }


async def _insert_orders(
    partner_id: int, accepted: Sequence[tuple[_Checked, Member]]
) -> list[Recorded | DomainError]:
    """Insert the orders in one statement and read them back in another. When a concurrent
    call inserted one of these externalIds first, the unique index refuses the statement and
    each order is inserted on its own, that one answering as a replay (or a conflict). A
    single order is inserted on its own straight away (one statement, no read back)."""
    rows = [
        {
            "partner_id": partner_id,
            "external_id": c.data.external_id,
            "member_id": member.id,
            "amount_cents": c.data.amount_cents,
            "currency": c.data.currency,
            "category": c.category,
            "occurred_at": c.occurred_at,
            "fingerprint": c.fingerprint,
        }
        for c, member in accepted
    ]
    if len(rows) > 1:
        try:
            async with in_transaction():
                await Order.bulk_create([Order(**row) for row in rows])
        except IntegrityError:
            pass  # a concurrent call got one of these externalIds first: one by one below
        else:
            stored = {
                o.external_id: o
                for o in await Order.filter(
                    partner_id=partner_id, external_id__in=[row["external_id"] for row in rows]
                )
            }
            return [Recorded(stored[row["external_id"]], replayed=False) for row in rows]
    results: list[Recorded | DomainError] = []
    for row in rows:
        try:
            results.append(await _insert_once(Order, **row))
        except DomainError as exc:
            results.append(exc)
    return results


async def _lock_buyers(members: Sequence[Member]) -> dict[int, Member]:
    """The buyers by id, current and locked for their order counts.

    PostgreSQL: read again under a row lock, taken before the orders are inserted and in id
    order. Each order's foreign key takes a key-share lock on its buyer; were the update lock
    taken after the inserts, two batches with buyers in common would wait on each other. FOR
    NO KEY UPDATE leaves other transactions free to insert rows that reference the buyer.
    SQLite runs one write transaction at a time, so the rows already read are current.
    """
    buyers = {m.id: m for m in members}
    if buyers and connections.get("default").capabilities.support_for_update:
        query = Member.filter(id__in=sorted(buyers)).order_by("id")
        buyers = {m.id: m for m in await query.select_for_update(no_key=True)}
    return buyers


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
        order = None
        if EXTERNAL_ID_RE.match(order_external_id):  # no order has another kind of id
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
        await publish(OrderRefunded(order=order, refund=refund, member=member))
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
    if payload is not None and not isinstance(payload, dict):
        raise DomainError(IngestionErrorCode.INVALID, "payload must be a JSON object.", "payload")
    _check_external_id(external_id)
    validate_ref(ref)
    occurred_at = _check_time(occurred_at, "occurredAt")
    payload = payload or {}
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
        await publish(MemberEventRecorded(member_event=event, member=member))
    return Recorded(event, replayed=False)
