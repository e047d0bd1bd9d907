"""GraphQL types of the events feed and webhooks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from koc.auth.models import PartnerScope
from koc.auth.viewer import PartnerViewer, is_partner_with, is_staff
from koc.events import PUBLIC_EVENTS, EventType
from koc.events.models import OutboxEvent
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.permissions import forbidden
from koc.webhooks.errors import WebhookErrorCode
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
