"""Queries of live codes (staff: ANALYST and up)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from koc.graphql.context import Info
from koc.graphql.mutations import query
from koc.graphql.permissions import IsAnalyst
from koc.graphql.relay import After, Connection, First, SortKey, paginate
from koc.livecodes import models
from koc.livecodes.graphql.types import LiveCode, LiveCodeKind, public_base


@strawberry.type
class Query:
    @query(allow=IsAnalyst, description="Live codes, newest first.")
    async def live_codes(
        self,
        info: Info,
        kind: Annotated[
            LiveCodeKind | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only codes of this kind."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[LiveCode]:
        codes = models.LiveCode.all()
        if kind is not None:
            codes = codes.filter(kind=kind)
        base = public_base(info)
        return await paginate(
            codes,
            first=first,
            after=after,
            to_node=lambda c: LiveCode.from_model(c, base),
            order=[SortKey("id")],
        )
