"""Managing webhook subscriptions: create (the secret shown once), update, delete, redeliver one
delivery by hand, replay from a position."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from koc.auth.viewer import PartnerViewer, StaffViewer
from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Payload, mutation
from koc.webhooks import services
from koc.webhooks.graphql.queries import CanManageWebhooks
from koc.webhooks.graphql.types import (
    EventTypeEnum,
    WebhookAttempt,
    WebhookError,
    WebhookSubscription,
)

Manager = StaffViewer | PartnerViewer


@strawberry.input(description="A new webhook subscription.")
class WebhookSubscriptionCreateInput:
    url: str = strawberry.field(
        description="Where to POST, HTTPS in production; a host resolving to a private, "
        "loopback or link-local address is refused unless the server allows it."
    )
    event_types: list[EventTypeEnum] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="The types to receive; empty: every type."
    )
    description: str = strawberry.field(default="", description="What it is for, ≤200 chars.")
    partner_token_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="ADMIN only: the PartnerToken whose scopes payloads follow (personal "
        "fields need its members:read). A partner's subscription is always its own token's.",
    )


@strawberry.input(description="Changes to a webhook subscription; null fields stay.")
class WebhookSubscriptionUpdateInput:
    id: relay.GlobalID = strawberry.field(description="The WebhookSubscription.")
    url: str | None = strawberry.field(default=None, description="A new URL.")
    event_types: list[EventTypeEnum] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="New types; empty: every type."
    )
    description: str | None = strawberry.field(default=None, description="A new description.")
    active: bool | None = strawberry.field(
        default=None,
        description="False disables it; true re-enables it, and the events it missed are "
        "delivered.",
    )


@strawberry.input(description="Deliver a subscription's events again from a position.")
class WebhookSubscriptionReplayInput:
    id: relay.GlobalID = strawberry.field(description="The WebhookSubscription.")
    from_position: int = strawberry.field(
        description="The first position to deliver again (an Event's `position`)."
    )


@strawberry.type(description="Result of webhookSubscriptionCreate.")
class WebhookSubscriptionCreatePayload(Payload[WebhookError]):
    subscription: WebhookSubscription | None = strawberry.field(
        default=None, description="The new subscription."
    )
    secret: str | None = strawberry.field(
        default=None,
        description="The signing secret (`whsec_...`), shown this once: verify each delivery's "
        "`webhook-signature` with it.",
    )


@strawberry.type(description="Result of webhookSubscriptionUpdate.")
class WebhookSubscriptionUpdatePayload(Payload[WebhookError]):
    subscription: WebhookSubscription | None = strawberry.field(
        default=None, description="The subscription as it is now."
    )


@strawberry.type(description="Result of webhookSubscriptionDelete.")
class WebhookSubscriptionDeletePayload(Payload[WebhookError]):
    deleted_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The subscription deleted, with its deliveries."
    )


@strawberry.type(description="Result of webhookDeliveryRetry.")
class WebhookDeliveryRetryPayload(Payload[WebhookError]):
    attempt: WebhookAttempt | None = strawberry.field(
        default=None, description="The attempt just made (same webhook-id as before)."
    )


@strawberry.type(description="Result of webhookSubscriptionReplay.")
class WebhookSubscriptionReplayPayload(Payload[WebhookError]):
    replayed_count: int = strawberry.field(
        default=0, description="How many deliveries are due again (at most 10,000 a call)."
    )


def _subscription_id(gid: relay.GlobalID, field: str = "id") -> int:
    return decode_id(gid, "WebhookSubscription", field)


@strawberry.type
class Mutation:
    @mutation(
        allow=CanManageWebhooks,
        description="Subscribe a URL to events (ADMIN, or a partner with webhooks:manage for "
        "itself). Only events from now on are sent; replay for older ones.",
    )
    async def webhook_subscription_create(
        self, info: Info, viewer: Manager, input: WebhookSubscriptionCreateInput
    ) -> WebhookSubscriptionCreatePayload:
        token = input.partner_token_id
        sub, secret = await services.create_subscription(
            viewer,
            info.context.settings,
            url=input.url,
            event_types=list(input.event_types),
            description=input.description,
            partner_token_id=decode_id(token, "PartnerToken", "partnerTokenId") if token else None,
        )
        return WebhookSubscriptionCreatePayload(
            subscription=WebhookSubscription.from_model(sub), secret=secret
        )

    @mutation(
        allow=CanManageWebhooks,
        description="Change, disable or re-enable a webhook subscription (ADMIN, or its partner).",
    )
    async def webhook_subscription_update(
        self, info: Info, viewer: Manager, input: WebhookSubscriptionUpdateInput
    ) -> WebhookSubscriptionUpdatePayload:
        types = input.event_types
        sub = await services.update_subscription(
            viewer,
            info.context.settings,
            _subscription_id(input.id),
            url=input.url,
            event_types=list(types) if types is not None else None,
            description=input.description,
            active=input.active,
        )
        return WebhookSubscriptionUpdatePayload(subscription=WebhookSubscription.from_model(sub))

    @mutation(
        allow=CanManageWebhooks,
        description="Delete a webhook subscription and its delivery log (ADMIN, or its partner).",
    )
    async def webhook_subscription_delete(
        self,
        viewer: Manager,
        id: Annotated[relay.GlobalID, strawberry.argument(description="The WebhookSubscription.")],
    ) -> WebhookSubscriptionDeletePayload:
        await services.delete_subscription(viewer, _subscription_id(id))
        return WebhookSubscriptionDeletePayload(deleted_id=id)

    @mutation(
        allow=CanManageWebhooks,
        description="Send one delivery again now, with the same webhook-id, and return the "
        "attempt (ADMIN, or the owning partner).",
    )
    async def webhook_delivery_retry(
        self,
        info: Info,
        viewer: Manager,
        id: Annotated[relay.GlobalID, strawberry.argument(description="The WebhookDelivery.")],
    ) -> WebhookDeliveryRetryPayload:
        sent = await services.retry_delivery(
            viewer, info.context.settings, decode_id(id, "WebhookDelivery", "id")
        )
        return WebhookDeliveryRetryPayload(attempt=WebhookAttempt.from_model(sent))

    @mutation(
        allow=CanManageWebhooks,
        description="Deliver a subscription's events again from a position on (ADMIN, or its "
        "partner); the receiver sees the same webhook-ids as the first time.",
    )
    async def webhook_subscription_replay(
        self, viewer: Manager, input: WebhookSubscriptionReplayInput
    ) -> WebhookSubscriptionReplayPayload:
        count = await services.replay(viewer, _subscription_id(input.id), input.from_position)
        return WebhookSubscriptionReplayPayload(replayed_count=count)
