"""Queries of live codes (staff: ANALYST and up)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from koc.graphql.context import Info
from koc.graphql.mutations import query
from koc.graphql.permissions import IsAnalyst
from koc.graphql.relay import After, Connection, First, SortKey, paginate
from koc.livecodes import models
from koc.livecodes.graphql.types import (
    LiveCode,
    LiveCodeGroupBy,
    LiveCodeKind,
    LiveCodeReport,
    public_base,
)
from koc.livecodes.reports import live_code_report


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

    @query(
        allow=IsAnalyst,
        description="Per live code or channel, for arrivals and scans in [from, to): scans, "
        "arrivals, members created, referrals bound, arrivals who later ordered and the net "
        "revenue of those orders.",
    )
    async def live_code_report(
        self,
        from_: Annotated[
            datetime, strawberry.argument(name="from", description="Start (inclusive).")
        ],
        to: Annotated[datetime, strawberry.argument(description="End (exclusive), <= 3 years on.")],
        group_by: Annotated[
            LiveCodeGroupBy,  # type: ignore[valid-type]
            strawberry.argument(description="One row per code or per channel."),
        ] = LiveCodeGroupBy.CODE,  # type: ignore[attr-defined]
        currency: Annotated[str, strawberry.argument(description="Revenue currency.")] = "CNY",
    ) -> LiveCodeReport:
        return LiveCodeReport.from_report(await live_code_report(from_, to, group_by, currency))
