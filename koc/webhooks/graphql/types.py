"""GraphQL types of the events feed and webhooks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import PartnerViewer, is_partner_with, is_staff
from koc.events import PUBLIC_EVENTS, EventType
from koc.events.models import OutboxEvent
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.permissions import forbidden
from koc.webhooks import models
from koc.webhooks.errors import WebhookErrorCode
from koc.webhooks.models import DeliveryStatus
from koc.webhooks.render import render

FEED_READ_REASON = "events feed"


def _summary(cls: type) -> str:
    return (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n    ", " ").replace("\n", " ")


EventTypeEnum = enum_type(
    EventType,
    "The type of a public event; its payload's `type` is the value's lower-case dotted name "
    "(ORDER_RECORDED is `order.recorded`).",
    **{t.name: _summary(PUBLIC_EVENTS[t]) for t in EventType},
)

WebhookError = error_type(
    "WebhookError", WebhookErrorCode, "A problem with a webhook subscription or delivery."
)


@strawberry.type(
    description="Something koc decided, as partners see it: the same payload a webhook "
    "delivery carries. Members in `data` are `{id, phone, unionid}`; phone and unionid are "
    "null unless the reader is a partner token with MEMBERS_READ and the member's SHARING "
    "consent allows it."
)
class Event(relay.Node):
    id: relay.NodeID[int]
    event_id: str = strawberry.field(
        description="The event's id in payloads and the `webhook-id` header (`evt_...`)."
    )
    position: int = strawberry.field(
        description="Where the event stands in the feed: positions increase in the order the "
        "changes committed, and a position once seen never gets an event before it."
    )
    type: str = strawberry.field(description="The event type, e.g. `order.recorded`.")
    occurred_at: datetime = strawberry.field(description="When koc published it (UTC).")
    data: JSON = strawberry.field(description="What happened (see the README's Webhooks section).")
    payload: JSON = strawberry.field(
        description="The whole body a webhook delivery of this event carries: "
        "`{id, type, position, timestamp, data}`."
    )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Event | None]:
        viewer = info.context.viewer
        if not (is_staff(viewer) or is_partner_with(viewer, PartnerScope.EVENTS_READ)):
            raise forbidden()
        ids = [int(i) for i in node_ids]
        rows = await OutboxEvent.filter(id__in=ids, position__isnull=False)
        found = {e.id: e for e in await events_of(rows, viewer)}
        return [found.get(i) for i in ids]

    @classmethod
    def of(cls, row: OutboxEvent, payload: dict[str, Any]) -> Event:
        return cls(
            id=row.id,
            event_id=payload["id"],
            position=row.position or 0,
            type=row.type,
            occurred_at=row.occurred_at,
            data=payload["data"],
            payload=payload,
        )


async def events_of(rows: list[OutboxEvent], viewer: Any) -> list[Event]:
    """``rows`` as ``viewer`` may see them (personal fields for partners with members:read)."""
    partner = viewer if isinstance(viewer, PartnerViewer) else None
    payloads = await render(rows, partner=partner, reason=FEED_READ_REASON)
    return [Event.of(row, p) for row, p in zip(rows, payloads, strict=True)]


DeliveryStatusEnum = enum_type(
    DeliveryStatus,
    "Where a webhook delivery stands.",
    PENDING="Not delivered yet: the next attempt is scheduled.",
    SUCCEEDED="The receiver answered 2xx.",
    FAILED="Every attempt failed (about a day of retries); redeliver or replay it by hand.",
)


def _visible(viewer: Any) -> dict[str, int] | None:
    """The subscriptions ``viewer`` may see (None: none at all)."""
    if is_staff(viewer, StaffRole.ADMIN):
        return {}
    if is_partner_with(viewer, PartnerScope.WEBHOOKS_MANAGE):
        return {"partner_token_id": viewer.token_id}
    return None


@strawberry.type(description="A URL that receives signed webhooks of some event types.")
class WebhookSubscription(relay.Node):
    id: relay.NodeID[int]
    url: str = strawberry.field(description="Where deliveries are POSTed.")
    description: str = strawberry.field(description="What it is for.")
    event_types: list[EventTypeEnum] = strawberry.field(  # type: ignore[valid-type]
        description="The types it receives; empty: every type."
    )
    active: bool = strawberry.field(description="False once disabled, by hand or by failures.")
    disabled_reason: str | None = strawberry.field(description="Why it was disabled.")
    disabled_at: datetime | None = strawberry.field(description="When it was disabled (UTC).")
    partner_token_id: relay.GlobalID | None = strawberry.field(
        description="The PartnerToken whose scopes its payloads follow (none: no personal field)."
    )
    dispatched_position: int = strawberry.field(
        description="The last event position handed to its deliveries."
    )
    created_at: datetime = strawberry.field(description="When it was created (UTC).")

    @classmethod
    def from_model(cls, s: models.WebhookSubscription) -> WebhookSubscription:
        token = s.partner_token_id
        return cls(
            id=s.id,
            url=s.url,
            description=s.description,
            event_types=[EventType(t) for t in s.event_types],
            active=s.active,
            disabled_reason=s.disabled_reason,
            disabled_at=s.disabled_at,
            partner_token_id=relay.GlobalID("PartnerToken", str(token)) if token else None,
            dispatched_position=s.dispatched_position,
            created_at=s.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookSubscription | None]:
        visible = _visible(info.context.viewer)
        if visible is None:
            raise forbidden()
        ids = [int(i) for i in node_ids]
        rows = {s.id: s for s in await models.WebhookSubscription.filter(id__in=ids, **visible)}
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.type(description="One event sent to one subscription, with its latest attempt.")
class WebhookDelivery(relay.Node):
    id: relay.NodeID[int]
    event_id: str = strawberry.field(description="The event's id: the `webhook-id` header.")
    event_type: str = strawberry.field(description="The event type, e.g. `order.recorded`.")
    position: int = strawberry.field(description="The event's position.")
    status: DeliveryStatusEnum = strawberry.field(description="Where it stands.")  # type: ignore[valid-type]
    attempts: int = strawberry.field(description="How many attempts were made.")
    next_attempt_at: datetime | None = strawberry.field(description="When it is tried next (UTC).")
    last_status_code: int | None = strawberry.field(description="The last HTTP status answered.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    delivered_at: datetime | None = strawberry.field(description="When a 2xx came (UTC).")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")

    @classmethod
    def from_model(cls, d: models.WebhookDelivery) -> WebhookDelivery:
        return cls(
            id=d.id,
            event_id=f"evt_{d.event_id}",
            event_type=d.event.type,
            position=d.event.position or 0,
            status=d.status,
            attempts=d.attempts,
            next_attempt_at=d.next_attempt_at,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            delivered_at=d.delivered_at,
            created_at=d.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookDelivery | None]:
        visible = _visible(info.context.viewer)
        if visible is None:
            raise forbidden()
        ids = [int(i) for i in node_ids]
        found = models.WebhookDelivery.filter(
            id__in=ids, **{f"subscription__{k}": v for k, v in visible.items()}
        ).select_related("event")
        rows = {d.id: d for d in await found}
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]


@strawberry.type(description="One HTTP request of a delivery, as the delivery log keeps it.")
class WebhookAttempt(relay.Node):
    id: relay.NodeID[int]
    attempted_at: datetime = strawberry.field(description="When it was sent (UTC).")
    status_code: int | None = strawberry.field(description="The HTTP status; null: no answer.")
    latency_ms: int = strawberry.field(description="How long the receiver took, in ms.")
    response_body: str = strawberry.field(
        description="The first bytes of the answer (KOC_WEBHOOK_MAX_RESPONSE_BYTES)."
    )
    error: str | None = strawberry.field(description="Why no answer came (timeout, refused...).")
    manual: bool = strawberry.field(description="Sent by hand (webhookDeliveryRetry).")

    @classmethod
    def from_model(cls, a: models.WebhookAttempt) -> WebhookAttempt:
        return cls(
            id=a.id,
            attempted_at=a.attempted_at,
            status_code=a.status_code,
            latency_ms=a.latency_ms,
            response_body=a.response_body,
            error=a.error,
            manual=a.manual,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[WebhookAttempt | None]:
        visible = _visible(info.context.viewer)
        if visible is None:
            raise forbidden()
        ids = [int(i) for i in node_ids]
        found = models.WebhookAttempt.filter(
            id__in=ids, **{f"delivery__subscription__{k}": v for k, v in visible.items()}
        )
        rows = {a.id: a for a in await found}
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]
