"""Sending one delivery: sign, POST to the checked address, record the attempt, and schedule the
next one or give up.

At least once: a delivery is retried until the receiver answers 2xx, with the same
``webhook-id`` every time, so the receiver deduplicates. Retries back off exponentially with
jitter (±20 %) over about a day: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after each failure,
eight attempts in all. A delivery whose attempts all failed, with no delivery to the same
subscription succeeding meanwhile, disables the subscription with the reason shown.

Sending itself (timeouts, the response cap, the connections a worker keeps) is
koc.webhooks.sender's.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from koc.auth.models import PartnerScope, PartnerToken
from koc.auth.viewer import PartnerViewer
from koc.db import fetch, query_rows
from koc.errors import DomainError
from koc.events.models import OutboxEvent
from koc.settings import Settings, get_settings
from koc.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from koc.webhooks.render import render
from koc.webhooks.sender import Outcome, send
from koc.webhooks.signing import signed_headers
from koc.webhooks.targets import resolve_target
from koc.worker import enqueue

RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
JITTER = 0.2
DELIVERY_READ_REASON = "webhook delivery"
DELIVER = "webhooks.deliver"


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta | None:
    """How long after the ``attempts``-th failed attempt the next one goes; None: give up."""
    if attempts > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[attempts - 1] * (rng or random).uniform(1 - JITTER, 1 + JITTER)


async def _partner(partner_token_id: int | None) -> PartnerViewer | None:
    """Whose scopes the payload follows: the subscription's token while it is valid."""
    if partner_token_id is None:
        return None
    token = await PartnerToken.get_or_none(id=partner_token_id)
    now = datetime.now(UTC)
    if token is None or token.revoked_at is not None or (token.expires_at or now) < now:
        return None
    scopes = frozenset(PartnerScope(s) for s in token.scopes if s in set(PartnerScope))
    return PartnerViewer(token_id=token.id, name=token.name, scopes=scopes)


def payload_bytes(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


# What one attempt reads, in one fixed statement: the ORM's select_related built this query anew
# for every attempt, a fifth of a worker's CPU (py-spy, bench/events.py latency).
_DUE = (
    "SELECT d.status, s.active, s.id, s.url, s.secret, s.partner_token_id,"
    " e.id, e.type, e.data, e.position, e.occurred_at"
    " FROM webhook_delivery d"
    " JOIN webhook_subscription s ON s.id = d.subscription_id"
    " JOIN event_outbox e ON e.id = d.event_id"
    " WHERE d.id = ?"
)


@dataclass(frozen=True)
class _Due:
    subscription_id: int
    url: str
    secret: str
    partner_token_id: int | None
    event: OutboxEvent


async def _due(delivery_id: int) -> _Due | None:
    """The pending delivery's subscription and event; None when it is not to be sent (gone,
    delivered or failed already, or its subscription disabled)."""
    rows = await fetch(_DUE, [delivery_id])
    if not rows:
        return None
    status, active, sub_id, url, secret, token_id, event_id, type_, data, position, at = rows[0]
    if status != DeliveryStatus.PENDING or not active:
        return None
    if isinstance(data, str | bytes):  # JSON as text (SQLite, and asyncpg without a codec)
        data = json.loads(data)
    if isinstance(at, str):  # SQLite keeps timestamps as ISO text
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    event = OutboxEvent(id=event_id, type=type_, data=data, position=position, occurred_at=at)
    return _Due(sub_id, url, secret, token_id, event)


async def attempt(
    delivery_id: int, settings: Settings, *, manual: bool = False
) -> WebhookAttempt | None:
    """Send the delivery once now and record what happened; None when there is nothing to send
    (delivered already, or its subscription is disabled or gone)."""
    due = await _due(delivery_id)
    if due is None:
        return None
    now = datetime.now(UTC)
    [payload] = await render(
        [due.event], partner=await _partner(due.partner_token_id), reason=DELIVERY_READ_REASON
    )
    body = payload_bytes(payload)
    headers = signed_headers(due.secret, payload["id"], now, body)
    try:
        target = await resolve_target(due.url, settings)
    except DomainError as exc:
        outcome = Outcome(None, 0, "", exc.message)
    else:
        outcome = await send(target, headers, body, settings)
    return await _record(delivery_id, due.subscription_id, now, outcome, manual)


_COUNT = "attempts = attempts + 1, last_status_code = ?, last_error = ?"


async def _record(
    delivery_id: int, subscription_id: int, at: datetime, outcome: Outcome, manual: bool
) -> WebhookAttempt | None:
    """Count the attempt on its delivery and log it, in one transaction: on success two fixed
    statements; on failure, the retry's time and job, or the delivery failed for good."""
    error = outcome.error or (None if outcome.ok else f"HTTP {outcome.status_code}")
    async with in_transaction():
        # The UPDATE locks the row, as SELECT ... FOR UPDATE did: two attempts of one delivery
        # (a re-picked job beside a manual redelivery) count one after the other.
        if outcome.ok:
            counted = await query_rows(
                f"UPDATE webhook_delivery SET {_COUNT}, status = ?, delivered_at = ?,"
                " next_attempt_at = NULL WHERE id = ? RETURNING attempts",
                [outcome.status_code, error, DeliveryStatus.SUCCEEDED.value, datetime.now(UTC)]
                + [delivery_id],
            )
        else:
            counted = await query_rows(
                f"UPDATE webhook_delivery SET {_COUNT} WHERE id = ? RETURNING attempts",
                [outcome.status_code, error, delivery_id],
            )
        if not counted:  # deleted meanwhile, with its subscription
            return None
        attempts = int(counted[0]["attempts"])
        row = await WebhookAttempt.create(
            delivery_id=delivery_id,
            attempted_at=at,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            response_body=outcome.body,
            error=outcome.error,
            manual=manual,
        )
        if outcome.ok:
            return row
        if (delay := retry_delay(attempts)) is not None:
            await WebhookDelivery.filter(id=delivery_id).update(next_attempt_at=at + delay)
            # The retry is a job of its own, written with this attempt's record.
            await enqueue(DELIVER, run_after=at + delay, delivery_id=delivery_id)
        else:
            await WebhookDelivery.filter(id=delivery_id).update(
                status=DeliveryStatus.FAILED, next_attempt_at=None
            )
            await _disable_if_failing(delivery_id, attempts, error, subscription_id)
    return row


async def _disable_if_failing(
    delivery_id: int, attempts: int, last_error: str | None, subscription_id: int
) -> None:
    """A delivery gave up: disable the subscription unless another delivery to it succeeded
    since this one's first attempt (then the receiver works, and only this event failed)."""
    first = await WebhookAttempt.filter(delivery_id=delivery_id).order_by("id").first()
    since = first.attempted_at if first else datetime.now(UTC)
    if await WebhookAttempt.filter(
        delivery__subscription_id=subscription_id,
        attempted_at__gte=since,
        status_code__gte=200,
        status_code__lt=300,
    ).exists():
        return
    reason = (
        f"Disabled after {attempts} failed attempts since {since:%Y-%m-%d %H:%M} UTC; "
        f"last: {last_error}"
    )[:500]
    await WebhookSubscription.filter(id=subscription_id).update(
        active=False, disabled_reason=reason, disabled_at=datetime.now(UTC)
    )


async def deliver(delivery_id: int) -> None:
    """The worker's task: one attempt of one delivery (its retries are jobs it enqueues). The
    process's settings (``KOC_WEBHOOK_*``) say where it may send and how long it waits."""
    await attempt(delivery_id, get_settings())
