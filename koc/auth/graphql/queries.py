"""Queries about staff accounts and partner tokens."""

from __future__ import annotations

import strawberry

from koc.auth import models
from koc.auth.graphql.types import PartnerToken, StaffUser
from koc.auth.viewer import StaffViewer, Viewer
from koc.graphql.mutations import Public, query
from koc.graphql.permissions import IsAdmin


@strawberry.type
class Query:
    @query(allow=Public, description="The signed-in staff account (null for other callers).")
    async def staff_me(self, viewer: Viewer) -> StaffUser | None:
        if not isinstance(viewer, StaffViewer):
            return None
        row = await models.StaffUser.get_or_none(id=viewer.staff_id)
        return StaffUser.from_model(row) if row else None

    @query(allow=IsAdmin, description="Every staff account (ADMIN).")
    async def staff_users(self) -> list[StaffUser]:
        return [StaffUser.from_model(s) for s in await models.StaffUser.all().order_by("id")]

    @query(allow=IsAdmin, description="Every partner token, newest first (ADMIN).")
    async def partner_tokens(self) -> list[PartnerToken]:
        return [PartnerToken.from_model(t) for t in await models.PartnerToken.all().order_by("-id")]
