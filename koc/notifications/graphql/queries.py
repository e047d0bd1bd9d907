"""Queries of the notifications feature: staff read template mappings and the delivery log."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

import strawberry
from strawberry import relay

from koc.graphql.boundary import MaxLength
from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.mutations import query
from koc.graphql.permissions import IsAnalyst
from koc.graphql.relay import After, Connection, First, paginate
from koc.notifications import log, models
from koc.notifications.graphql.types import (
    MessageState,
    NotificationKind,
    NotificationTemplate,
    SubscribeMessage,
    SubscribeMessageCount,
)


@strawberry.type
class Query:
    @query(
        allow=IsAnalyst,
        description="Every notification kind with its fields and its template mapping.",
    )
    async def notification_templates(self) -> list[NotificationTemplate]:
        mappings = {m.kind: m for m in await models.TemplateMapping.all()}
        return [NotificationTemplate.of(k, mappings.get(k)) for k in models.NotificationKind]

    @query(
        allow=IsAnalyst,
        description="The subscribe message log, newest first, by member, template, kind, state.",
    )
    async def subscribe_messages(
        self,
        member_id: Annotated[
            relay.GlobalID | None, strawberry.argument(description="Only this Member's.")
        ] = None,
        template_id: Annotated[
            str | None,
            strawberry.argument(
                description="Only this template's.", directives=[MaxLength(chars=64)]
            ),
        ] = None,
        kind: Annotated[
            NotificationKind | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only this kind's."),
        ] = None,
        state: Annotated[
            MessageState | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only those in this state."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[SubscribeMessage]:
        member = decode_id(member_id, "Member", "memberId") if member_id else None
        return await paginate(
            log.messages(member, template_id, kind, state),
            first=first,
            after=after,
            to_node=SubscribeMessage.from_model,
        )

    @query(
        allow=IsAnalyst,
        description="Subscribe messages queued per day (brand time zone), template and state.",
    )
    async def subscribe_message_counts(
        self,
        info: Info,
        since: Annotated[date, strawberry.argument(description="First day.")],
        until: Annotated[date, strawberry.argument(description="Last day (at most 92 days).")],
        template_id: Annotated[
            str | None,
            strawberry.argument(
                description="Only this template's.", directives=[MaxLength(chars=64)]
            ),
        ] = None,
    ) -> list[SubscribeMessageCount]:
        tz = ZoneInfo(info.context.settings.notify_time_zone)
        rows = await log.counts_per_day(since, until, tz, template_id)
        return [
            SubscribeMessageCount(
                day=r.day, template_id=r.template_id, state=r.state, count=r.count
            )
            for r in rows
        ]
