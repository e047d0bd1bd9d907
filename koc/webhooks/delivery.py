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
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from koc.auth.models import PartnerScope, PartnerToken
from koc.auth.viewer import PartnerViewer
from koc.errors import DomainError
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


async def _partner(subscription: WebhookSubscription) -> PartnerViewer | None:
    """Whose scopes the payload follows: the subscription's token while it is valid."""
    if subscription.partner_token_id is None:
        return None
    token = await PartnerToken.get_or_none(id=subscription.partner_token_id)
    now = datetime.now(UTC)
    if token is None or token.revoked_at is not None or (token.expires_at or now) < now:
        return None
    scopes = frozenset(PartnerScope(s) for s in token.scopes if s in set(PartnerScope))
    return PartnerViewer(token_id=token.id, name=token.name, scopes=scopes)


def payload_bytes(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


async def attempt(
    delivery_id: int, settings: Settings, *, manual: bool = False
) -> WebhookAttempt | None:
    """Send the delivery once now and record what happened; None when there is nothing to send
    (delivered already, or its subscription is disabled or gone)."""
    delivery = await WebhookDelivery.get_or_none(id=delivery_id).select_related(
        "subscription", "event"
    )
    if delivery is None or delivery.status is not DeliveryStatus.PENDING:
        return None
    subscription = delivery.subscription
    if not subscription.active:
        return None
    now = datetime.now(UTC)
    [payload] = await render(
        [delivery.event], partner=await _partner(subscription), reason=DELIVERY_READ_REASON
    )
    body = payload_bytes(payload)
    headers = signed_headers(subscription.secret, payload["id"], now, body)
    try:
        target = await resolve_target(subscription.url, settings)
    except DomainError as exc:
        outcome = Outcome(None, 0, "", exc.message)
    else:
        outcome = await send(target, headers, body, settings)
    return await _record(delivery.id, subscription.id, now, outcome, manual)


async def _record(
    delivery_id: int, subscription_id: int, at: datetime, outcome: Outcome, manual: bool
) -> WebhookAttempt:
    async with in_transaction():
        delivery = await WebhookDelivery.get(id=delivery_id).select_for_update()
        row = await WebhookAttempt.create(
            delivery_id=delivery_id,
            attempted_at=at,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            response_body=outcome.body,
            error=outcome.error,
            manual=manual,
        )
        delivery.attempts += 1
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error or (
            None if outcome.ok else f"HTTP {outcome.status_code}"
        )
        if outcome.ok:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = datetime.now(UTC)
            delivery.next_attempt_at = None
        elif (delay := retry_delay(delivery.attempts)) is not None:
            delivery.next_attempt_at = at + delay
            # The retry is a job of its own, written with this attempt's record.
            await enqueue(DELIVER, run_after=delivery.next_attempt_at, delivery_id=delivery_id)
        else:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            await _disable_if_failing(delivery, subscription_id)
        await delivery.save()
    return row


async def _disable_if_failing(delivery: WebhookDelivery, subscription_id: int) -> None:
    """A delivery gave up: disable the subscription unless another delivery to it succeeded
    since this one's first attempt (then the receiver works, and only this event failed)."""
    first = await WebhookAttempt.filter(delivery_id=delivery.id).order_by("id").first()
    since = first.attempted_at if first else datetime.now(UTC)
    if await WebhookAttempt.filter(
        delivery__subscription_id=subscription_id,
        attempted_at__gte=since,
        status_code__gte=200,
        status_code__lt=300,
    ).exists():
        return
    reason = (
        f"Disabled after {delivery.attempts} failed attempts since {since:%Y-%m-%d %H:%M} UTC; "
        f"last: {delivery.last_error}"
    )[:500]
    await WebhookSubscription.filter(id=subscription_id).update(
        active=False, disabled_reason=reason, disabled_at=datetime.now(UTC)
    )


async def deliver(delivery_id: int) -> None:
    """The worker's task: one attempt of one delivery (its retries are jobs it enqueues). The
    process's settings (``KOC_WEBHOOK_*``) say where it may send and how long it waits."""
    await attempt(delivery_id, get_settings())
