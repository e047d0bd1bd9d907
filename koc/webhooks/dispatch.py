"""Handing committed events to subscriptions, and sending the deliveries that are due.

``dispatch`` numbers the committed events (koc.events.outbox) and creates one delivery per new
event and subscription whose types match, moving the subscription's mark past them, in one
transaction per subscription (a crash between the two redoes the batch: the unique delivery per
event and subscription keeps it once). ``run_due`` dispatches and sends what is due.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.functions import Max
from tortoise.transactions import in_transaction

from koc.events.models import OutboxEvent
from koc.events.outbox import assign_positions
from koc.settings import Settings
from koc.webhooks.delivery import attempt
from koc.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

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
    """Pending deliveries of these events, due now (an existing one is left as it is)."""
    if not event_ids:
        return []
    now = datetime.now(UTC)
    await WebhookDelivery.bulk_create(
        [
            WebhookDelivery(subscription_id=subscription_id, event_id=e, next_attempt_at=now)
            for e in event_ids
        ],
        ignore_conflicts=True,
    )
    return list(
        await WebhookDelivery.filter(
            subscription_id=subscription_id, event_id__in=list(event_ids)
        ).values_list("id", flat=True)
    )


async def run_due(settings: Settings) -> int:
    """Dispatch, then send the deliveries that are due (oldest first); returns how many were
    attempted."""
    await dispatch()
    due = await (
        WebhookDelivery.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=datetime.now(UTC)
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
