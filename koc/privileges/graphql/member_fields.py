"""Privilege fields of the Member type: ``me { privilegeGrants }``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from koc.auth.viewer import can_read_member
from koc.graphql.context import Info
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.graphql.prefetch import load_all_then, primed
from koc.privileges.graphql import dataloaders as dl
from koc.privileges.graphql.types import PrivilegeGrant
from koc.privileges.models import GrantStatus


@strawberry.type
class PrivilegeMemberFields:
    @strawberry.field(
        description="The member's privilege grants, newest first.",
        metadata=primed(
            load_all_then(
                dl.load_grants,
                "privilege",
                dl.load_privileges,
                lambda g, arguments: (
                    g.privilege_id
                    if g.status == GrantStatus.ACTIVE
                    or arguments.get("includeInactive") in (True, "true")
                    else None
                ),
            )
        ),
    )
    async def privilege_grants(
        self,
        info: Info,
        include_inactive: Annotated[
            bool, strawberry.argument(description="Also redeemed, expired and revoked grants.")
        ] = False,
    ) -> list[PrivilegeGrant]:
        if not can_read_member(info.context.viewer, self.id):  # type: ignore[attr-defined]
            raise forbidden()
        rows = await loader(info, dl.load_grants).load(self.id)  # type: ignore[attr-defined]
        grants = [PrivilegeGrant.from_model(g) for g in rows]
        return [g for g in grants if include_inactive or g.status == GrantStatus.ACTIVE]
