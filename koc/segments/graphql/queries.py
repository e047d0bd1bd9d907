"""Queries of segments: saved segments, a live preview page of members, snapshots and rules
(staff, ANALYST and up)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from koc.graphql.ids import decode_id
from koc.graphql.mutations import query
from koc.graphql.permissions import IsAnalyst
from koc.graphql.relay import After, Connection, First, SortKey, paginate
from koc.members.graphql.types import Member
from koc.segments import models, services
from koc.segments.graphql.inputs import AudienceInput
from koc.segments.graphql.types import Segment, SegmentSnapshot, StageRule, TagRule, stage_rule

SegmentId = Annotated[relay.GlobalID, strawberry.argument(description="The Segment.")]


@strawberry.type
class Query:
    @query(allow=IsAnalyst, description="Saved segments, newest first.")
    async def segments(self, first: First = None, after: After = None) -> Connection[Segment]:
        return await paginate(
            models.Segment.all(),
            first=first,
            after=after,
            to_node=Segment.from_model,
            order=[SortKey("created_at")],
        )

    @query(
        allow=IsAnalyst,
        description="A live preview: the members a rule or a saved segment holds now, newest "
        "first; totalCount is the live count.",
    )
    async def segment_members(
        self, audience: AudienceInput, first: First = None, after: After = None
    ) -> Connection[Member]:
        given = audience.to_audience("")
        return await paginate(
            await services.audience_members(given.rule, given.segment_id),
            first=first,
            after=after,
            to_node=Member.from_model,
            order=[SortKey("created_at")],
        )

    @query(allow=IsAnalyst, description="When a segment was used and whom it held then.")
    async def segment_snapshots(self, segment_id: SegmentId) -> list[SegmentSnapshot]:
        found = models.SegmentSnapshot.filter(
            segment_id=decode_id(segment_id, "Segment", "segmentId")
        )
        return [SegmentSnapshot.from_model(s) for s in await found.order_by("-id").limit(100)]

    @query(allow=IsAnalyst, description="The tag rules, oldest first.")
    async def tag_rules(self) -> list[TagRule]:
        return [TagRule.from_model(t) for t in await models.TagRule.all().order_by("id")]

    @query(allow=IsAnalyst, description="The stage rules, oldest first.")
    async def stage_rules(self) -> list[StageRule]:
        rows = await models.StageRule.all().select_related("stage").order_by("id")
        return [stage_rule(r) for r in rows]
