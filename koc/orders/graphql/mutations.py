"""Partner ingestion: orders, refunds and member events. Idempotent per (partner, externalId)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from koc.auth.models import PartnerScope
from koc.auth.viewer import PartnerViewer
from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import allow
from koc.orders import coalesce, models, services
from koc.orders.graphql.types import IngestionError, MemberEvent, MemberEventKind, Order, Refund

CanWriteOrders = allow(scope=PartnerScope.ORDERS_WRITE, name="CanWriteOrders")
CanWriteEvents = allow(scope=PartnerScope.EVENTS_WRITE, name="CanWriteEvents")


@strawberry.input(description="Exactly one way to name a member.")
class MemberRefInput:
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The Member's ID."
    )
    unionid: str | None = strawberry.field(
        default=None, description="WeChat unionid; unknown ones create a prospect member."
    )
    openid: str | None = strawberry.field(default=None, description="WeChat openid (with appid).")
    appid: str | None = strawberry.field(
        default=None, description="App of the openid; defaults to the configured mini-program."
    )
    phone: str | None = strawberry.field(
        default=None,
        description="Phone (E.164 or a mainland mobile); unknown ones create a prospect.",
    )

    def to_ref(self) -> services.MemberRef:
        member_id = (
            decode_id(self.member_id, "Member", "member.memberId") if self.member_id else None
        )
        return services.MemberRef(
            member_id=member_id,
            unionid=self.unionid,
            openid=self.openid,
            appid=self.appid,
            phone=self.phone,
        )


@strawberry.input(description="A paid order.")
class OrderRecordInput:
    external_id: str = strawberry.field(description="Your id of the order; replays are idempotent.")
    member: MemberRefInput = strawberry.field(description="Who bought.")
    amount_cents: int = strawberry.field(description="Amount paid, integer cents (fen), > 0.")
    currency: str = strawberry.field(default="CNY", description="ISO 4217 code.")
    category: str = strawberry.field(description="Product category, e.g. 'vehicle'.")
    occurred_at: datetime = strawberry.field(description="When it was paid, with a time zone.")
    referral_code: str | None = strawberry.field(
        default=None, description="Referral code given at the counter, for offline referrals."
    )


@strawberry.input(description="A refund of an order you reported.")
class OrderRefundInput:
    external_id: str = strawberry.field(
        description="Your id of the refund; replays are idempotent."
    )
    order_external_id: str = strawberry.field(description="Your id of the order.")
    amount_cents: int | None = strawberry.field(
        default=None, description="Cents refunded; omit to refund what remains."
    )
    occurred_at: datetime = strawberry.field(description="When, with a time zone.")


@strawberry.input(description="Something a member did.")
class MemberEventRecordInput:
    external_id: str = strawberry.field(description="Your id of the event; replays are idempotent.")
    member: MemberRefInput = strawberry.field(description="Who.")
    kind: MemberEventKind = strawberry.field(description="What happened.")  # type: ignore[valid-type]
    occurred_at: datetime = strawberry.field(description="When, with a time zone.")
    payload: JSON | None = strawberry.field(
        default=None, description="Details, a JSON object <= 4 KB."
    )


@strawberry.type(description="Result of orderRecord.")
class OrderRecordPayload(Payload[IngestionError]):
    order: Order | None = strawberry.field(default=None, description="The order.")
    replayed: bool = strawberry.field(default=False, description="True when this was a replay.")


@strawberry.type(description="Result of orderRefund.")
class OrderRefundPayload(Payload[IngestionError]):
    refund: Refund | None = strawberry.field(default=None, description="The refund.")
    order: Order | None = strawberry.field(default=None, description="The order after the refund.")
    replayed: bool = strawberry.field(default=False, description="True when this was a replay.")


@strawberry.type(description="Result of memberEventRecord.")
class MemberEventRecordPayload(Payload[IngestionError]):
    event: MemberEvent | None = strawberry.field(default=None, description="The event.")
    replayed: bool = strawberry.field(default=False, description="True when this was a replay.")


def order_input(input: OrderRecordInput) -> services.OrderInput:
    extra = {"referralCode": input.referral_code} if input.referral_code else {}
    return services.OrderInput(
        external_id=input.external_id,
        member=input.member.to_ref(),
        amount_cents=input.amount_cents,
        currency=input.currency,
        category=input.category,
        occurred_at=input.occurred_at,
        extra=extra,
    )


@strawberry.type
class Mutation:
    @mutation(
        allow=CanWriteOrders,
        description="Report a paid order (partner scope orders:write). Replaying the same "
        "externalId returns the original; different content is IDEMPOTENCY_CONFLICT.",
    )
    async def order_record(
        self, info: Info, viewer: PartnerViewer, input: OrderRecordInput
    ) -> OrderRecordPayload:
        # Through the batch path: calls that overlap are written together (coalesce).
        result = await coalesce.record_order(
            viewer.token_id, order_input(input), info.context.settings.wechat_appid
        )
        return OrderRecordPayload(order=Order.from_model(result.obj), replayed=result.replayed)

    @mutation(
        allow=CanWriteOrders,
        description="Report a refund of an order (partner scope orders:write).",
    )
    async def order_refund(
        self, viewer: PartnerViewer, input: OrderRefundInput
    ) -> OrderRefundPayload:
        result = await services.refund_order(
            viewer.token_id,
            input.external_id,
            input.order_external_id,
            input.amount_cents,
            input.occurred_at,
        )
        refund = result.obj
        order = await models.Order.get(id=refund.order_id)
        return OrderRefundPayload(
            refund=Refund(
                external_id=refund.external_id,
                amount_cents=refund.amount_cents,
                occurred_at=refund.occurred_at,
            ),
            order=Order.from_model(order),
            replayed=result.replayed,
        )

    @mutation(
        allow=CanWriteEvents,
        description="Report something a member did (partner scope events:write).",
    )
    async def member_event_record(
        self, info: Info, viewer: PartnerViewer, input: MemberEventRecordInput
    ) -> MemberEventRecordPayload:
        result = await services.record_member_event(
            viewer.token_id,
            input.external_id,
            input.member.to_ref(),
            input.kind,
            input.occurred_at,
            input.payload,
            info.context.settings.wechat_appid,
        )
        return MemberEventRecordPayload(
            event=MemberEvent.from_model(result.obj), replayed=result.replayed
        )
