"""Mutations of segments and layering rules (staff: OPERATOR and up)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from koc.auth.viewer import StaffViewer
from koc.graphql.ids import decode_id
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsOperator
from koc.segments import layering, services
from koc.segments.graphql.inputs import (
    SegmentCreateInput,
    SegmentUpdateInput,
    StageRuleCreateInput,
    TagRuleCreateInput,
)
from koc.segments.graphql.types import Segment, SegmentError, StageRule, TagRule, stage_rule

NodeId = Annotated[relay.GlobalID, strawberry.argument(description="The object to delete.")]


@strawberry.type(description="Result of segmentCreate and segmentUpdate.")
class SegmentPayload(Payload[SegmentError]):
    segment: Segment | None = strawberry.field(default=None, description="The segment.")


@strawberry.type(description="Result of a delete: whether it happened.")
class SegmentDeletePayload(Payload[SegmentError]):
    deleted: bool = strawberry.field(default=False, description="True when it was deleted.")
    tags_removed: int = strawberry.field(
        default=0, description="tagRuleDelete: members whose automatic tag came off."
    )


@strawberry.type(description="Result of tagRuleCreate.")
class TagRulePayload(Payload[SegmentError]):
    tag_rule: TagRule | None = strawberry.field(default=None, description="The rule.")
    tags_added: int = strawberry.field(
        default=0, description="Members who received the tag now (backfill)."
    )


@strawberry.type(description="Result of stageRuleCreate.")
class StageRulePayload(Payload[SegmentError]):
    stage_rule: StageRule | None = strawberry.field(default=None, description="The rule.")


@strawberry.type
class Mutation:
    @mutation(allow=IsOperator, description="Save a rule as a named segment.")
    async def segment_create(
        self, viewer: StaffViewer, input: SegmentCreateInput
    ) -> SegmentPayload:
        segment = await services.create_segment(
            input.name, input.description, input.rule.to_json(), actor=viewer
        )
        return SegmentPayload(segment=Segment.from_model(segment))

    @mutation(
        allow=IsOperator,
        description="Change a segment. A new rule re-layers the tag rules using it at once.",
    )
    async def segment_update(
        self, viewer: StaffViewer, input: SegmentUpdateInput
    ) -> SegmentPayload:
        segment = await layering.update_segment(
            decode_id(input.id, "Segment", "id"),
            name=input.name,
            description=input.description,
            rule=input.rule.to_json() if input.rule else None,
            actor=viewer,
        )
        return SegmentPayload(segment=Segment.from_model(segment))

    @mutation(
        allow=IsOperator,
        description="Delete a segment no tag or stage rule uses and that is no survey's, "
        "privilege's or campaign's audience.",
    )
    async def segment_delete(self, viewer: StaffViewer, id: NodeId) -> SegmentDeletePayload:
        await services.delete_segment(decode_id(id, "Segment", "id"), actor=viewer)
        return SegmentDeletePayload(deleted=True)

    @mutation(
        allow=IsOperator,
        description="Members of a segment carry a tag while they match (AUTO), from now on: "
        "backfilled at once, then kept as their facts change. Refused when it would trigger "
        "itself.",
    )
    async def tag_rule_create(
        self, viewer: StaffViewer, input: TagRuleCreateInput
    ) -> TagRulePayload:
        rule, done = await layering.create_tag_rule(
            decode_id(input.segment_id, "Segment", "segmentId"),
            decode_id(input.tag_id, "Tag", "tagId"),
            actor=viewer,
        )
        return TagRulePayload(tag_rule=TagRule.from_model(rule), tags_added=done.added)

    @mutation(allow=IsOperator, description="Delete a tag rule; its automatic tags come off.")
    async def tag_rule_delete(self, viewer: StaffViewer, id: NodeId) -> SegmentDeletePayload:
        removed = await layering.delete_tag_rule(decode_id(id, "TagRule", "id"), actor=viewer)
        return SegmentDeletePayload(deleted=True, tags_removed=removed)

    @mutation(
        allow=IsOperator,
        description="A member event of a kind moves members (of a segment) to a stage, "
        "forward only unless allowBackward.",
    )
    async def stage_rule_create(
        self, viewer: StaffViewer, input: StageRuleCreateInput
    ) -> StageRulePayload:
        segment_id = (
            decode_id(input.segment_id, "Segment", "segmentId") if input.segment_id else None
        )
        rule = await layering.create_stage_rule(
            input.event_kind.value, input.stage, segment_id, input.allow_backward, actor=viewer
        )
        return StageRulePayload(stage_rule=stage_rule(rule))

    @mutation(allow=IsOperator, description="Delete a stage rule (moves made stay).")
    async def stage_rule_delete(self, viewer: StaffViewer, id: NodeId) -> SegmentDeletePayload:
        await layering.delete_stage_rule(decode_id(id, "StageRule", "id"), actor=viewer)
        return SegmentDeletePayload(deleted=True)
