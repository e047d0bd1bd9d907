"""GraphQL types of orders, refunds and member events."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from koc.auth.viewer import can_read_member
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.loaders import by_key, loader
from koc.graphql.permissions import forbidden
from koc.members.graphql import dataloaders as member_dl
from koc.members.graphql import types as member_types
from koc.orders import models
from koc.orders.errors import IngestionErrorCode

if TYPE_CHECKING:
    from koc.members.graphql.types import Member

LazyMember = Annotated["Member", strawberry.lazy("koc.members.graphql.types")]

OrderStatus = enum_type(
    models.OrderStatus,
    "Whether an order was refunded.",
    PAID="Paid, nothing refunded.",
    PARTIALLY_REFUNDED="Part of the amount was refunded.",
    REFUNDED="The whole amount was refunded.",
)
MemberEventKind = enum_type(
    models.MemberEventKind,
    "What a member did, as a partner reports it.",
    TEST_DRIVE="Took a test drive.",
    EVENT_ATTENDED="Attended an event (a salon, a launch, a round table).",
    CONTENT_POSTED="Posted content about the brand (a review, a video, a note).",
    ARTICLE_READ="Read an article.",
    DEPOSIT_PAID="Paid a deposit.",
    STORE_VISIT="Visited a store.",
    COMPLAINT="Made a complaint.",
)
IngestionError = error_type(
    "IngestionError",
    IngestionErrorCode,
    "A problem with an order, refund or event a partner reported.",
)


async def _load_orders(ids: Sequence[int]) -> list[models.Order | None]:
    return by_key(await models.Order.filter(id__in=list(ids)), ids, lambda o: o.id)


async def _load_events(ids: Sequence[int]) -> list[models.MemberEvent | None]:
    return by_key(await models.MemberEvent.filter(id__in=list(ids)), ids, lambda e: e.id)


def _readable(info: Info, rows: list[Any]) -> list[Any]:
    """Orders and events are the member's personal data: the member, staff and partners with
    members:read may read them by ID."""
    for row in rows:
        if row is not None and not can_read_member(info.context.viewer, row.member_id):
            raise forbidden()
    return rows


@strawberry.type(description="An order a partner app reported. Amounts are integer cents (fen).")
class Order(relay.Node):
    id: relay.NodeID[int]
    external_id: str = strawberry.field(description="The partner's own id of the order.")
    amount_cents: int = strawberry.field(description="Amount paid, in cents.")
    refunded_cents: int = strawberry.field(description="Amount refunded so far, in cents.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. CNY.")
    category: str = strawberry.field(description="Product category.")
    status: OrderStatus = strawberry.field(description="Refund status.")  # type: ignore[valid-type]
    occurred_at: datetime = strawberry.field(description="When it was paid (UTC).")
    member_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, o: models.Order) -> Order:
        return cls(
            id=o.id,
            external_id=o.external_id,
            amount_cents=o.amount_cents,
            refunded_cents=o.refunded_cents,
            currency=o.currency,
            category=o.category,
            status=o.status,
            occurred_at=o.occurred_at,
            member_id=o.member_id,
        )

    @strawberry.field(description="Who bought.")
    async def member(self, info: Info) -> LazyMember:
        return member_types.Member.from_model(
            await loader(info, member_dl.load_members).load(self.member_id)
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Order | None]:
        rows = _readable(
            info, await loader(info, _load_orders).load_many([int(i) for i in node_ids])
        )
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(description="A refund of all or part of an order.")
class Refund:
    external_id: str = strawberry.field(description="The partner's own id of the refund.")
    amount_cents: int = strawberry.field(description="Amount refunded, in cents.")
    occurred_at: datetime = strawberry.field(description="When (UTC).")


@strawberry.type(description="Something a member did that a partner app reported.")
class MemberEvent(relay.Node):
    id: relay.NodeID[int]
    external_id: str = strawberry.field(description="The partner's own id of the event.")
    kind: MemberEventKind = strawberry.field(description="What happened.")  # type: ignore[valid-type]
    occurred_at: datetime = strawberry.field(description="When (UTC).")
    payload: JSON = strawberry.field(description="Details the partner sent (a small JSON object).")
    member_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, e: models.MemberEvent) -> MemberEvent:
        return cls(
            id=e.id,
            external_id=e.external_id,
            kind=e.kind,
            occurred_at=e.occurred_at,
            payload=e.payload,
            member_id=e.member_id,
        )

    @strawberry.field(description="Who did it.")
    async def member(self, info: Info) -> LazyMember:
        return member_types.Member.from_model(
            await loader(info, member_dl.load_members).load(self.member_id)
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[MemberEvent | None]:
        rows = _readable(
            info, await loader(info, _load_events).load_many([int(i) for i in node_ids])
        )
        return [cls.from_model(r) if r else None for r in rows]
