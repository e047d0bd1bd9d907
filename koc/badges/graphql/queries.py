"""Queries of the badges feature."""

from __future__ import annotations

from typing import Annotated

import strawberry

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import is_staff
from koc.badges import models
from koc.badges.graphql.types import Badge, BadgeVerification
from koc.badges.showing import verify_token
from koc.graphql.boundary import MaxLength
from koc.graphql.context import Info
from koc.graphql.mutations import query
from koc.graphql.permissions import IsSignedIn, allow
from koc.graphql.relay import Connection, SortKey, paginate

CanVerifyBadges = allow(
    staff=StaffRole.ANALYST, scope=PartnerScope.BADGES_VERIFY, name="CanVerifyBadges"
)


@strawberry.type
class Query:
    @query(
        allow=IsSignedIn,
        description="Badge definitions by family and level. Staff see all; others see the "
        "visible, active ones.",
    )
    async def badges(
        self,
        info: Info,
        family: Annotated[
            str | None,
            strawberry.argument(description="Only this family.", directives=[MaxLength(chars=64)]),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description="Page size, <= 100.")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
    ) -> Connection[Badge]:
        query = models.Badge.all()
        if not is_staff(info.context.viewer):
            query = query.filter(visible=True, active=True)
        if family is not None:
            query = query.filter(family=family)
        return await paginate(
            query,
            first=first,
            after=after,
            to_node=Badge.from_model,
            order=[SortKey("family", descending=False), SortKey("level", descending=False)],
        )

    @query(
        allow=CanVerifyBadges,
        description="Check a badge QR token (from BadgeAward.qrToken) at an event check-in, "
        "without a database of your own. Partners need the badges:verify scope.",
    )
    async def badge_verify(
        self,
        info: Info,
        token: Annotated[str, strawberry.argument(description="The scanned QR content.")],
    ) -> BadgeVerification:
        result = await verify_token(info.context.settings.jwt_secret, token)
        return BadgeVerification.from_result(result)
