"""Handing committed events to subscriptions, and sending the deliveries that are due.

``dispatch`` numbers the committed events (koc.events.outbox) and creates one delivery per new
event and subscription whose types match, with its ``webhooks.deliver`` job, moving the
subscription's mark past them, all in one transaction per subscription.

When it runs: a transaction that publishes public events enqueues one ``webhooks.dispatch`` job
(``on_public_events``, wired in koc/wiring.py), in that transaction, when any subscription
exists; the job runs once the transaction committed. ``webhooks.sweep`` (every minute by
default, ``KOC_SCHEDULE_WEBHOOKS_SWEEP``) dispatches too, and sends deliveries whose job is long
overdue (lost with a crashed worker's memory, say): a safety net, not the path.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import TransactionalDBClient
from tortoise.connection import connections
from tortoise.functions import Max
from tortoise.transactions import in_transaction

from koc.events.models import OutboxEvent
from koc.events.outbox import assign_positions
from koc.settings import Settings, get_settings
from koc.webhooks.delivery import DELIVER, attempt
from koc.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from koc.worker import enqueue, enqueue_many

DISPATCH = "webhooks.dispatch"
SWEEP = "webhooks.sweep"
# A delivery this late past its time lost its job: the sweep sends it.
OVERDUE = timedelta(minutes=5)
# How long a process trusts its answer to "is there any active subscription?".
SUBSCRIBERS_TTL_SECONDS = 5.0

# Events one dispatch hands to one subscription; the rest go on the next.
DISPATCH_AT_MOST = 1000
# Deliveries one run sends, and how many at once.
SEND_AT_MOST = 200
SEND_AT_ONCE = 10


async def last_position() -> int:
    row = await OutboxEvent.annotate(top=Max("position")).first().values("top")
    return int((row or {}).get("top") or 0)


async def dispatch() -> list[int]:
    """Create the deliveries of the events committed since each subscription's mark; returns
    their ids. Call outside any transaction."""
    await assign_positions()
    top = await last_position()
    created: list[int] = []
    for subscription_id in await WebhookSubscription.filter(
        active=True, dispatched_position__lt=top
    ).values_list("id", flat=True):
        async with in_transaction():
            sub = await WebhookSubscription.get(id=subscription_id).select_for_update()
            events = OutboxEvent.filter(position__gt=sub.dispatched_position, position__lte=top)
            if sub.event_types:
                events = events.filter(type__in=sub.event_types)
            rows = (
                await events.order_by("position")
                .limit(DISPATCH_AT_MOST)
                .values_list("id", "position")
            )
            created += await create_deliveries(sub.id, [event_id for event_id, _ in rows])
            sub.dispatched_position = rows[-1][1] if len(rows) == DISPATCH_AT_MOST else top
            await sub.save(update_fields=["dispatched_position"])
    return created


async def create_deliveries(subscription_id: int, event_ids: Sequence[int]) -> list[int]:
    """Pending deliveries of these events, due now, each with its job (an existing delivery is
    left as it is, and gets no second job). Call inside a transaction."""
    if not event_ids:
        return []
    now = datetime.now(UTC)
    before = set(
        await WebhookDelivery.filter(
            subscription_id=subscription_id, event_id__in=list(event_ids)
        ).values_list("id", flat=True)
    )
    await WebhookDelivery.bulk_create(
        [
            WebhookDelivery(subscription_id=subscription_id, event_id=e, next_attempt_at=now)
            for e in event_ids
        ],
        ignore_conflicts=True,
    )
    ids = list(
        await WebhookDelivery.filter(
            subscription_id=subscription_id, event_id__in=list(event_ids)
        ).values_list("id", flat=True)
    )
    await enqueue_many(DELIVER, [{"delivery_id": d} for d in ids if d not in before])
    return ids


async def run_due(settings: Settings, overdue: timedelta = timedelta(0)) -> int:
    """Dispatch, then send the deliveries due for more than ``overdue`` (oldest first), here
    and now; returns how many were attempted."""
    await dispatch()
    due = await (
        WebhookDelivery.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=datetime.now(UTC) - overdue
        )
        .order_by("next_attempt_at", "id")
        .limit(SEND_AT_MOST)
        .values_list("id", flat=True)
    )
    gate = asyncio.Semaphore(SEND_AT_ONCE)

    async def one(delivery_id: int) -> bool:
        async with gate:
            return await attempt(delivery_id, settings) is not None

    return sum(await asyncio.gather(*(one(d) for d in due)))


async def dispatch_task() -> None:
    await dispatch()


async def sweep() -> None:
    await run_due(get_settings(), overdue=OVERDUE)


_subscribers: list[Any] = [0.0, False]  # [checked at (monotonic), any active subscription]
# The transactions that enqueued their dispatch already (one job per transaction).
_enqueued: weakref.WeakSet[Any] = weakref.WeakSet()


async def has_subscribers() -> bool:
    """Whether any subscription is active, as this process last saw it (a few seconds old at
    most: a subscription created elsewhere meanwhile is covered by the sweep)."""
    checked_at, found = _subscribers
    if time.monotonic() - checked_at > SUBSCRIBERS_TTL_SECONDS:
        found = await WebhookSubscription.exists(active=True)
        _subscribers[:] = [time.monotonic(), found]
    return bool(found)


def subscribers_changed() -> None:
    """Forget the cached answer (this process created, enabled or removed a subscription)."""
    _subscribers[0] = 0.0


async def on_public_events(events: Sequence[Any]) -> None:
    """The handler of every public event (koc/wiring.py): one dispatch job per transaction,
    enqueued in it, when anyone subscribes."""
    connection = connections.get("default")
    in_transaction_ = isinstance(connection, TransactionalDBClient)
    if (in_transaction_ and connection in _enqueued) or not await has_subscribers():
        return
    await enqueue(DISPATCH)
    if in_transaction_:
        _enqueued.add(connection)
