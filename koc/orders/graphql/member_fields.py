"""Order fields of the Member type: the member's orders and reported events, newest first.

Read by staff, the ADVISOR who owns the member, and the member themselves; not by partner
apps, which report orders and events rather than read them back here."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import strawberry

from koc.auth.viewer import PartnerViewer
from koc.graphql.context import Info
from koc.graphql.permissions import forbidden
from koc.graphql.prefetch import primed
from koc.graphql.relay import (
    After,
    Children,
    Connection,
    First,
    SortKey,
    children_primer,
    paginate_children,
)
from koc.members.graphql.access import may_read_member
from koc.orders import models
from koc.orders.graphql.types import MemberEvent, MemberEventKind, Order


class OrderRow(NamedTuple):
    id: int
    external_id: str
    amount_cents: int
    refunded_cents: int
    currency: str
    category: str
    status: models.OrderStatus
    occurred_at: datetime
    member_id: int


class EventRow(NamedTuple):
    id: int
    external_id: str
    kind: models.MemberEventKind
    occurred_at: datetime
    payload: dict[str, Any]
    member_id: int


ORDERS = Children(models.Order, OrderRow, parent="member_id")
EVENTS = Children(models.MemberEvent, EventRow, parent="member_id")


async def _check(info: Info, member_id: int) -> None:
    if isinstance(info.context.viewer, PartnerViewer) or not await may_read_member(info, member_id):
        raise forbidden()


@strawberry.type
class OrderMemberFields:
    if TYPE_CHECKING:
        id: int  # the Member's database id, from the Member type

    @strawberry.field(
        description="The member's orders, newest first.",
        metadata=primed(children_primer(ORDERS, [SortKey("occurred_at")])),
    )
    async def orders(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[Order]:
        await _check(info, self.id)
        return await paginate_children(
            info,
            ORDERS,
            parent_id=self.id,
            first=first,
            after=after,
            to_node=Order.from_model,  # type: ignore[arg-type]
            order=[SortKey("occurred_at")],
        )

    @strawberry.field(
        description="What partner apps reported the member did, newest first.",
        metadata=primed(children_primer(EVENTS, [SortKey("occurred_at")], unless=("kind",))),
    )
    async def events(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        kind: Annotated[
            MemberEventKind | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only events of this kind."),
        ] = None,
    ) -> Connection[MemberEvent]:
        await _check(info, self.id)
        return await paginate_children(
            info,
            EVENTS,
            parent_id=self.id,
            first=first,
            after=after,
            to_node=MemberEvent.from_model,  # type: ignore[arg-type]
            order=[SortKey("occurred_at")],
            equal={"kind": kind} if kind is not None else None,
        )
