"""The events feed: partners that prefer to pull read the events webhooks push."""

from __future__ import annotations

from typing import Annotated

import strawberry

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import PartnerViewer, StaffViewer
from koc.events.models import OutboxEvent
from koc.events.outbox import assign_positions
from koc.graphql.mutations import query
from koc.graphql.permissions import allow
from koc.graphql.relay import After, Connection, First, SortKey, paginate
from koc.webhooks.graphql.types import Event, EventTypeEnum, events_of

CanReadEvents = allow(staff=StaffRole.ANALYST, scope=PartnerScope.EVENTS_READ, name="CanReadEvents")


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
