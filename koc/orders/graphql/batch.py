"""Batch ingestion: ``ordersRecord`` records up to 500 orders in one call.

Each order is recorded exactly as ``orderRecord`` would (validation, idempotency, member
resolution, the ``order_recorded`` hook and so referral attribution), in one transaction for the
whole batch (``services.record_orders``): a bad item is refused before anything is written for
it and reported at its index, the others are written together, and the batch commits once,
which is what makes batches fast.
"""

from __future__ import annotations

import strawberry

from koc.auth.viewer import PartnerViewer
from koc.errors import DomainError
from koc.graphql.context import Info
from koc.graphql.errors import errors_of
from koc.graphql.mutations import Payload, mutation
from koc.orders import services
from koc.orders.errors import IngestionErrorCode
from koc.orders.graphql.mutations import CanWriteOrders, OrderRecordInput, order_input
from koc.orders.graphql.types import IngestionError, Order

MAX_BATCH = 500


@strawberry.input(description=f"Up to {MAX_BATCH} paid orders.")
class OrdersRecordInput:
    orders: list[OrderRecordInput] = strawberry.field(
        description=f"The orders, 1 to {MAX_BATCH}; each is idempotent per externalId."
    )


@strawberry.type(description="What happened to one order of a batch.")
class OrderRecordResult:
    index: int = strawberry.field(description="Position of the order in the input, from 0.")
    external_id: str = strawberry.field(description="The order's externalId, as sent.")
    order: Order | None = strawberry.field(default=None, description="The order, unless it failed.")
    replayed: bool = strawberry.field(default=False, description="True when this was a replay.")
    errors: list[IngestionError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="What was wrong with this order (nothing was written)."
    )


@strawberry.type(description="Result of ordersRecord.")
class OrdersRecordPayload(Payload[IngestionError]):
    results: list[OrderRecordResult] = strawberry.field(
        default_factory=list, description="One result per input order, in input order."
    )
    recorded: int = strawberry.field(default=0, description="Orders recorded by this call.")
    replayed: int = strawberry.field(default=0, description="Orders that were replays.")
    failed: int = strawberry.field(default=0, description="Orders refused, see their errors.")


def _order_input(item: OrderRecordInput) -> services.OrderInput | DomainError:
    """The item as the service takes it, or why it is malformed (a bad member ID): an error of
    one order is that order's result, not the batch's."""
    try:
        return order_input(item)
    except DomainError as exc:
        return exc


@strawberry.type
class Mutation:
    @mutation(
        allow=CanWriteOrders,
        description=f"Report up to {MAX_BATCH} paid orders at once (partner scope orders:write). "
        "Each order is handled as orderRecord would and gets its own result and errors; a bad "
        "order does not stop the others. The payload's own errors are about the batch as a "
        "whole (nothing is written then).",
    )
    async def orders_record(
        self, info: Info, viewer: PartnerViewer, input: OrdersRecordInput
    ) -> OrdersRecordPayload:
        if not 1 <= len(input.orders) <= MAX_BATCH:
            raise DomainError(
                IngestionErrorCode.INVALID, f"Send 1 to {MAX_BATCH} orders.", "orders"
            )
        inputs = [_order_input(item) for item in input.orders]
        recorded = iter(
            await services.record_orders(
                viewer.token_id,
                [i for i in inputs if not isinstance(i, DomainError)],
                info.context.settings.wechat_appid,
            )
        )
        outcomes = [i if isinstance(i, DomainError) else next(recorded) for i in inputs]
        payload = OrdersRecordPayload()
        for index, (item, outcome) in enumerate(zip(input.orders, outcomes, strict=True)):
            result = OrderRecordResult(index=index, external_id=item.external_id)
            if isinstance(outcome, DomainError):
                result.errors = errors_of(outcome, IngestionError, at=f"orders.{index}")
                payload.failed += 1
            else:
                result.order = Order.from_model(outcome.obj)
                result.replayed = outcome.replayed
                if outcome.replayed:
                    payload.replayed += 1
                else:
                    payload.recorded += 1
            payload.results.append(result)
        return payload
