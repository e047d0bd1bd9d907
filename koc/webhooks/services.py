"""Webhook subscriptions (admins, or partner tokens with webhooks:manage for their own), manual
redelivery and replay. Plain arguments in, DomainError out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.models import PartnerToken
from koc.auth.viewer import PartnerViewer, StaffViewer
from koc.errors import DomainError
from koc.events import EventType
from koc.events.models import OutboxEvent
from koc.events.outbox import assign_positions
from koc.settings import Settings
from koc.webhooks.delivery import DELIVER, attempt
from koc.webhooks.dispatch import (
    DISPATCH,
    create_deliveries,
    last_position,
    subscribers_changed,
)
from koc.webhooks.errors import WebhookErrorCode as Code
from koc.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from koc.webhooks.signing import new_secret
from koc.webhooks.targets import resolve_target
from koc.worker import enqueue

Manager = StaffViewer | PartnerViewer
MAX_DESCRIPTION = 200
REPLAY_AT_MOST = 10_000


def _not_found(field: str) -> DomainError:
    return DomainError(Code.NOT_FOUND, "No such webhook subscription or delivery.", field)


def _description(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_DESCRIPTION:
        raise DomainError(
            Code.INVALID, f"The description is at most {MAX_DESCRIPTION} characters.", "description"
        )
    return text


def mine(manager: Manager) -> dict[str, int]:
    """The filter of the subscriptions ``manager`` may see: a partner's own, all for staff."""
    return {"partner_token_id": manager.token_id} if isinstance(manager, PartnerViewer) else {}


async def subscription_of(manager: Manager, subscription_id: int, field: str = "id"):
    found = await WebhookSubscription.get_or_none(id=subscription_id, **mine(manager))
    if found is None:
        raise _not_found(field)
    return found


async def create_subscription(
    manager: Manager,
    settings: Settings,
    *,
    url: str,
    event_types: Sequence[EventType],
    description: str = "",
    partner_token_id: int | None = None,
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (returned this once). A partner's subscription is
    its own token's; an admin's may name a token whose scopes its payloads follow."""
    description = _description(description)
    await resolve_target(url, settings)
    if isinstance(manager, PartnerViewer):
        if partner_token_id not in (None, manager.token_id):
            raise _not_found("partnerTokenId")
        partner_token_id = manager.token_id
    elif partner_token_id is not None and not await PartnerToken.exists(
        id=partner_token_id, revoked_at=None
    ):
        raise DomainError(Code.NOT_FOUND, "No active partner token has this ID.", "partnerTokenId")
    secret = new_secret()
    await assign_positions()
    async with in_transaction():
        # Only events from now on: older ones are a replay away.
        subscription = await WebhookSubscription.create(
            url=url,
            description=description,
            event_types=sorted({t.value for t in event_types}),
            secret=secret,
            partner_token_id=partner_token_id,
            staff_id=manager.staff_id if isinstance(manager, StaffViewer) else None,
            dispatched_position=await last_position(),
        )
        if isinstance(manager, StaffViewer):
            await audit.record(
                manager,
                "webhook.create",
                "WebhookSubscription",
                subscription.id,
                after={"url": url, "types": subscription.event_types},
            )
    subscribers_changed()
    return subscription, secret


async def update_subscription(
    manager: Manager,
    settings: Settings,
    subscription_id: int,
    *,
    url: str | None = None,
    event_types: Sequence[EventType] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookSubscription:
    """Change a subscription; ``active=True`` re-enables a disabled one (the events it missed
    meanwhile are then delivered, oldest first)."""
    if url is not None:
        await resolve_target(url, settings)
    async with in_transaction():
        sub = await subscription_of(manager, subscription_id)
        sub = await WebhookSubscription.get(id=sub.id).select_for_update()
        if url is not None:
            sub.url = url
        if event_types is not None:
            sub.event_types = sorted({t.value for t in event_types})
        if description is not None:
            sub.description = _description(description)
        if active is not None:
            sub.active = active
            if active:
                sub.disabled_reason, sub.disabled_at = None, None
            else:
                sub.disabled_reason, sub.disabled_at = "Disabled by hand.", datetime.now(UTC)
        await sub.save()
        if active:
            # Its pending deliveries stopped when it was disabled: they go again now.
            for delivery_id in await WebhookDelivery.filter(
                subscription_id=sub.id, status=DeliveryStatus.PENDING
            ).values_list("id", flat=True):
                await enqueue(DELIVER, delivery_id=delivery_id)
            await enqueue(DISPATCH)
        if isinstance(manager, StaffViewer):
            await audit.record(
                manager, "webhook.update", "WebhookSubscription", sub.id, after={"active": active}
            )
    subscribers_changed()
    return sub


async def delete_subscription(manager: Manager, subscription_id: int) -> None:
    async with in_transaction():
        sub = await subscription_of(manager, subscription_id)
        await sub.delete()
        if isinstance(manager, StaffViewer):
            await audit.record(manager, "webhook.delete", "WebhookSubscription", sub.id)
    subscribers_changed()


async def delivery_of(manager: Manager, delivery_id: int, field: str = "id") -> WebhookDelivery:
    filters = {f"subscription__{k}": v for k, v in mine(manager).items()}
    found = await WebhookDelivery.get_or_none(id=delivery_id, **filters)
    if found is None:
        raise _not_found(field)
    return found


async def retry_delivery(manager: Manager, settings: Settings, delivery_id: int) -> WebhookAttempt:
    """Send one delivery again now, whatever its state (same webhook-id), and return the
    attempt. Its subscription must be active."""
    delivery = await delivery_of(manager, delivery_id)
    sub = await WebhookSubscription.get(id=delivery.subscription_id)
    if not sub.active:
        raise DomainError(Code.INVALID, "The subscription is disabled: enable it first.", "id")
    await WebhookDelivery.filter(id=delivery.id).update(
        status=DeliveryStatus.PENDING, next_attempt_at=datetime.now(UTC)
    )
    sent = await attempt(delivery.id, settings, manual=True)
    assert sent is not None  # pending, and its subscription active
    return sent


async def replay(manager: Manager, subscription_id: int, from_position: int) -> int:
    """Deliver again every event of the subscription's types from ``from_position`` up to what
    it was handed already (at most 10,000 at a time); returns how many are due now."""
    if from_position < 1:
        raise DomainError(Code.INVALID, "Positions start at 1.", "fromPosition")
    sub = await subscription_of(manager, subscription_id)
    events = OutboxEvent.filter(position__gte=from_position, position__lte=sub.dispatched_position)
    if sub.event_types:
        events = events.filter(type__in=sub.event_types)
    ids = await events.order_by("position").limit(REPLAY_AT_MOST).values_list("id", flat=True)
    async with in_transaction():
        existing = set(
            await WebhookDelivery.filter(subscription_id=sub.id, event_id__in=ids).values_list(
                "id", flat=True
            )
        )
        deliveries = await create_deliveries(sub.id, ids)
        # A replayed delivery starts its retries afresh.
        await WebhookDelivery.filter(id__in=deliveries).update(
            status=DeliveryStatus.PENDING, next_attempt_at=datetime.now(UTC), attempts=0
        )
        for delivery_id in existing:
            await enqueue(DELIVER, delivery_id=delivery_id)
    return len(deliveries)
