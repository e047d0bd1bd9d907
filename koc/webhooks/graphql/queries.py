"""The events feed: partners that prefer to pull read the events webhooks push."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import PartnerViewer, StaffViewer
from koc.events.models import OutboxEvent
from koc.events.outbox import assign_positions
from koc.graphql.ids import decode_id
from koc.graphql.mutations import query
from koc.graphql.permissions import allow
from koc.graphql.relay import After, Connection, First, SortKey, paginate
from koc.webhooks import models, services
from koc.webhooks.graphql.types import (
    DeliveryStatusEnum,
    Event,
    EventTypeEnum,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
    events_of,
)

CanReadEvents = allow(staff=StaffRole.ANALYST, scope=PartnerScope.EVENTS_READ, name="CanReadEvents")
CanManageWebhooks = allow(
    staff=StaffRole.ADMIN, scope=PartnerScope.WEBHOOKS_MANAGE, name="CanManageWebhooks"
)
Manager = StaffViewer | PartnerViewer


@strawberry.type
class Query:
    @query(
        allow=CanReadEvents,
        description="Public events in the order their changes committed, oldest first (ANALYST "
        "and up, partners with events:read). Page with `after: pageInfo.endCursor`; an "
        "`endCursor` kept and sent later returns exactly the events committed since.",
    )
    async def events(
        self,
        viewer: StaffViewer | PartnerViewer,
        types: Annotated[
            list[EventTypeEnum] | None,
            strawberry.argument(description="Only events of these types (all when null)."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Event]:
        # Committed events get their positions here as well as in the webhook dispatcher, so
        # a feed read without a worker running still sees every commit.
        await assign_positions()
        qs = OutboxEvent.filter(position__isnull=False)
        if types:
            qs = qs.filter(type__in=[t.value for t in types])
        page = await paginate(
            qs,
            first=first,
            after=after,
            to_node=lambda row: row,
            order=[SortKey("position", False)],
        )
        nodes = await events_of([edge.node for edge in page.edges], viewer)
        for edge, node in zip(page.edges, nodes, strict=True):
            edge.node = node
        return page

    @query(
        allow=CanManageWebhooks,
        description="Webhook subscriptions, newest first (ADMIN: all; partners with "
        "webhooks:manage: their own).",
    )
    async def webhook_subscriptions(
        self, viewer: Manager, first: First = None, after: After = None
    ) -> Connection[WebhookSubscription]:
        return await paginate(
            models.WebhookSubscription.filter(**services.mine(viewer)),
            first=first,
            after=after,
            to_node=WebhookSubscription.from_model,
        )

    @query(
        allow=CanManageWebhooks,
        description="The deliveries of one subscription, newest first, with their latest "
        "attempt (ADMIN, or the partner that owns it).",
    )
    async def webhook_deliveries(
        self,
        viewer: Manager,
        subscription_id: Annotated[
            relay.GlobalID, strawberry.argument(description="The WebhookSubscription.")
        ],
        status: Annotated[
            DeliveryStatusEnum | None, strawberry.argument(description="Only in this state.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[WebhookDelivery]:
        sub = await services.subscription_of(
            viewer,
            decode_id(subscription_id, "WebhookSubscription", "subscriptionId"),
            "subscriptionId",
        )
        qs = models.WebhookDelivery.filter(subscription_id=sub.id)
        if status is not None:
            qs = qs.filter(status=status)
        return await paginate(
            qs.select_related("event"), first=first, after=after, to_node=WebhookDelivery.from_model
        )

    @query(
        allow=CanManageWebhooks,
        description="The delivery log of one delivery: every attempt, newest first, with the "
        "status, latency and the first bytes of the answer (ADMIN, or the owning partner).",
    )
    async def webhook_attempts(
        self,
        viewer: Manager,
        delivery_id: Annotated[
            relay.GlobalID, strawberry.argument(description="The WebhookDelivery.")
        ],
        first: First = None,
        after: After = None,
    ) -> Connection[WebhookAttempt]:
        delivery = await services.delivery_of(
            viewer, decode_id(delivery_id, "WebhookDelivery", "deliveryId"), "deliveryId"
        )
        return await paginate(
            models.WebhookAttempt.filter(delivery_id=delivery.id),
            first=first,
            after=after,
            to_node=WebhookAttempt.from_model,
        )
