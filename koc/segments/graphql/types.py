"""GraphQL types of segments, snapshots and layering rules (staff only)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.relay import to_base64
from strawberry.scalars import JSON

from koc.auth.viewer import is_staff
from koc.graphql.context import Info
from koc.graphql.errors import error_type
from koc.graphql.loaders import by_key, loader
from koc.graphql.permissions import forbidden
from koc.members.graphql import types as member_types
from koc.members.graphql.dataloaders import load_tags
from koc.segments import models
from koc.segments.errors import SegmentErrorCode
from koc.segments.services import member_counts

if TYPE_CHECKING:
    from koc.members.graphql.types import Tag

# The survey types show a survey's audience segment, and the member types reach the survey
# types, so the tag type is named lazily (koc's adapters point at each other).
LazyTag = Annotated["Tag", strawberry.lazy("koc.members.graphql.types")]

SegmentError = error_type("SegmentError", SegmentErrorCode, "A problem with a segment or rule.")

# Database ids inside a stored rule, and the node type their global IDs name.
_ID_FIELDS = {("tags", "all"): "Tag", ("tags", "any"): "Tag", ("tags", "none"): "Tag"}
_ID_FIELDS[("survey", "optionIds")] = "SurveyOption"
_ID_FIELDS[("advisor", "ids")] = "StaffUser"


def rule_json(data: dict[str, Any]) -> dict[str, Any]:
    """A stored rule as the API shows it: the input's shape, IDs as global IDs, unset fields
    left out (so it can be sent back as a SegmentRuleInput)."""
    shown: dict[str, Any] = {}
    for key, value in data.items():
        if value is None:
            continue
        if key in ("all", "any"):
            shown[key] = [rule_json(child) for child in value]
        elif key == "not":
            shown[key] = rule_json(value)
        else:
            shown[key] = {
                name: [to_base64(_ID_FIELDS[(key, name)], v) for v in given]
                if (key, name) in _ID_FIELDS
                else given
                for name, given in value.items()
                if given is not None
            }
    return shown


async def load_segments(ids: Sequence[int]) -> list[models.Segment | None]:
    return by_key(await models.Segment.filter(id__in=list(ids)), ids, lambda s: s.id)


async def load_member_counts(ids: Sequence[int]) -> list[int]:
    """Live member counts of the segments asked for in this request: one statement."""
    found = {s.id: s for s in await models.Segment.filter(id__in=list(ids))}
    segments = [found[i] for i in ids if i in found]
    counts = dict(zip([s.id for s in segments], await member_counts(segments), strict=True))
    return [counts.get(i, 0) for i in ids]


@strawberry.type(description="A saved segment: a named rule over member facts.")
class Segment(relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="Unique name.")
    description: str = strawberry.field(description="What the segment is for.")
    rule: JSON = strawberry.field(
        description="The rule, in the shape of SegmentRuleInput (can be sent back as one)."
    )
    created_at: datetime = strawberry.field(description="When it was saved (UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (UTC).")

    @classmethod
    def from_model(cls, s: models.Segment) -> Segment:
        return cls(
            id=s.id,
            name=s.name,
            description=s.description,
            rule=rule_json(s.rule),
            created_at=s.created_at,
            updated_at=s.updated_at,
        )

    @strawberry.field(description="How many members match the rule now (live).")
    async def member_count(self, info: Info) -> int:
        return await loader(info, load_member_counts).load(self.id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Segment | None]:
        if not is_staff(info.context.viewer):
            raise forbidden()
        rows = await loader(info, load_segments).load_many([int(i) for i in node_ids])
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(
    description="Who something is for (a privilege, a campaign): a rule or a saved segment."
)
class Audience:
    rule: JSON | None = strawberry.field(
        description="The rule, in the shape of SegmentRuleInput (can be sent back as one); null "
        "when a saved segment is the audience."
    )
    segment_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, rule: dict[str, Any] | None, segment_id: int | None) -> Audience | None:
        """The audience of a stored rule or segment id; None when neither is set."""
        if rule is None and segment_id is None:
            return None
        return cls(rule=rule_json(rule) if rule is not None else None, segment_id=segment_id)

    @strawberry.field(
        description="The saved segment that is the audience (its rule as it is now; staff only, "
        "null for others)."
    )
    async def segment(self, info: Info) -> Segment | None:
        if self.segment_id is None or not is_staff(info.context.viewer):
            return None
        row = await loader(info, load_segments).load(self.segment_id)
        return Segment.from_model(row) if row else None


@strawberry.type(description="Who a segment held when something used it.")
class SegmentSnapshot:
    used_for: str = strawberry.field(description="What used it, e.g. survey:12.")
    member_count: int = strawberry.field(description="How many members it held then.")
    created_at: datetime = strawberry.field(description="When it was used (UTC).")

    @classmethod
    def from_model(cls, s: models.SegmentSnapshot) -> SegmentSnapshot:
        return cls(used_for=s.used_for, member_count=s.member_count, created_at=s.created_at)


@strawberry.type(description="Members of a segment carry a tag while they match it (AUTO).")
class TagRule(relay.Node):
    id: relay.NodeID[int]
    active: bool = strawberry.field(description="False once switched off.")
    created_at: datetime = strawberry.field(description="When it was made (UTC).")
    segment_id: strawberry.Private[int]
    tag_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, t: models.TagRule) -> TagRule:
        return cls(
            id=t.id,
            active=t.active,
            created_at=t.created_at,
            segment_id=t.segment_id,
            tag_id=t.tag_id,
        )

    @strawberry.field(description="The segment members must match.")
    async def segment(self, info: Info) -> Segment:
        return Segment.from_model(await loader(info, load_segments).load(self.segment_id))

    @strawberry.field(description="The tag they carry.")
    async def tag(self, info: Info) -> LazyTag:
        return member_types.Tag.from_model(await loader(info, load_tags).load(self.tag_id))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[TagRule | None]:
        if not is_staff(info.context.viewer):
            raise forbidden()
        rows = await models.TagRule.filter(id__in=[int(i) for i in node_ids])
        return by_key([cls.from_model(r) for r in rows], [int(i) for i in node_ids], lambda t: t.id)


@strawberry.type(description="A member event of a kind moves the member to a stage.")
class StageRule(relay.Node):
    id: relay.NodeID[int]
    event_kind: str = strawberry.field(description="The MemberEventKind that moves.")
    stage: str = strawberry.field(description="Code of the stage it moves to.")
    allow_backward: bool = strawberry.field(
        description="Also moves members on a later stage back to it."
    )
    active: bool = strawberry.field(description="False once switched off.")
    created_at: datetime = strawberry.field(description="When it was made (UTC).")
    segment_id: strawberry.Private[int | None]

    @strawberry.field(description="Only members of this segment move (null: every member).")
    async def segment(self, info: Info) -> Segment | None:
        if self.segment_id is None:
            return None
        return Segment.from_model(await loader(info, load_segments).load(self.segment_id))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[StageRule | None]:
        if not is_staff(info.context.viewer):
            raise forbidden()
        ids = [int(i) for i in node_ids]
        rows = await models.StageRule.filter(id__in=ids).select_related("stage")
        return by_key([stage_rule(r) for r in rows], ids, lambda t: t.id)


def stage_rule(r: models.StageRule) -> StageRule:
    """The type of a stage rule whose stage is loaded (``select_related("stage")``)."""
    return StageRule(
        id=r.id,
        event_kind=r.event_kind,
        stage=r.stage.code,
        allow_backward=r.allow_backward,
        active=r.active,
        created_at=r.created_at,
        segment_id=r.segment_id,
    )
