"""The audit log, for ADMIN."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from koc.audit import models
from koc.auth.models import StaffRole
from koc.auth.viewer import is_staff
from koc.graphql.boundary import MaxLength
from koc.graphql.context import Info
from koc.graphql.mutations import query
from koc.graphql.permissions import IsAdmin, forbidden
from koc.graphql.relay import After, Connection, First, paginate


@strawberry.type(description="One staff action that changed data.")
class AuditEntry(relay.Node):
    id: relay.NodeID[int]
    actor: str = strawberry.field(description="Staff username, 'cli' or 'system'.")
    action: str = strawberry.field(description="What was done, e.g. member.stage_set.")
    object_type: str = strawberry.field(description="Kind of object changed.")
    object_id: str | None = strawberry.field(description="Its database id, if one object.")
    before: JSON | None = strawberry.field(description="Relevant state before.")
    after: JSON | None = strawberry.field(description="Relevant state after.")
    created_at: datetime = strawberry.field(description="When (UTC).")

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[AuditEntry | None]:
        if not is_staff(info.context.viewer, StaffRole.ADMIN):
            raise forbidden()
        ids = [int(i) for i in node_ids]
        rows = {e.id: e for e in await models.AuditEntry.filter(id__in=ids)}
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]

    @classmethod
    def from_model(cls, e: models.AuditEntry) -> AuditEntry:
        return cls(
            id=e.id,
            actor=e.actor,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            before=e.before,
            after=e.after,
            created_at=e.created_at,
        )


@strawberry.type
class Query:
    @query(allow=IsAdmin, description="Staff actions, newest first (ADMIN).")
    async def audit_log(
        self,
        action: Annotated[
            str | None,
            strawberry.argument(
                description="Only entries of this action, e.g. member.stage_set.",
                directives=[MaxLength(chars=64)],
            ),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[AuditEntry]:
        qs = models.AuditEntry.all()
        if action:
            qs = qs.filter(action=action)
        return await paginate(qs, first=first, after=after, to_node=AuditEntry.from_model)
