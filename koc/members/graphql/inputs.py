"""GraphQL inputs of the members feature."""

from __future__ import annotations

from datetime import UTC, date, datetime

import strawberry
from strawberry import relay

from koc.graphql.boundary import MaxLength
from koc.graphql.ids import decode_id, decode_ids
from koc.members.graphql.types import Gender, TagFamily
from koc.members.services import MemberFilter
from koc.segments.graphql.inputs import SegmentRuleInput
from koc.segments.services import audience_rule


@strawberry.input(description="Which members to list or change. All given conditions must hold.")
class MemberFilterInput:
    tags_all: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Members holding every one of these tags."
    )
    tags_any: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Members holding at least one of these tags."
    )
    stages: list[str] | None = strawberry.field(
        default=None, description="Stage codes, any of.", directives=[MaxLength(chars=32)]
    )
    search: str | None = strawberry.field(
        default=None,
        description="Text in the nickname or phone, or an exact unionid.",
        directives=[MaxLength(chars=64)],
    )
    created_from: datetime | None = strawberry.field(
        default=None, description="Created at or after."
    )
    created_to: datetime | None = strawberry.field(default=None, description="Created before.")
    active_from: datetime | None = strawberry.field(default=None, description="Active at or after.")
    active_to: datetime | None = strawberry.field(default=None, description="Active before.")
    rule: SegmentRuleInput | None = strawberry.field(
        default=None, description="Members matching this segment rule."
    )
    segment_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Members of this saved Segment (now)."
    )

    async def to_filter(self, path: str = "filter") -> MemberFilter:
        """The filter, with its rule or segment checked against the data (a segment's rule is
        taken as it is now)."""
        rule = None
        if self.rule is not None or self.segment_id is not None:
            segment = (
                decode_id(self.segment_id, "Segment", f"{path}.segmentId")
                if self.segment_id
                else None
            )
            given = self.rule.to_json(f"{path}.rule") if self.rule else None
            rule = await audience_rule(given, segment, path)
        return MemberFilter(
            tags_all=decode_ids(self.tags_all or [], "Tag", "filter.tagsAll"),
            tags_any=decode_ids(self.tags_any or [], "Tag", "filter.tagsAny"),
            stages=self.stages or [],
            search=self.search or None,
            created_from=self.created_from,
            created_to=self.created_to,
            active_from=self.active_from,
            active_to=self.active_to,
            rule=rule,
            rule_at=datetime.now(UTC) if rule is not None else None,
        )


@strawberry.input(description="A new tag group.")
class TagGroupCreateInput:
    name: str = strawberry.field(description="Unique name, 1-64 characters.")
    family: TagFamily = strawberry.field(description="Which family the group's tags belong to.")  # type: ignore[valid-type]
    exclusive: bool = strawberry.field(
        default=False, description="One tag of this group per member."
    )
    description: str = strawberry.field(default="", description="What the group describes.")


@strawberry.input(description="A new tag inside a group.")
class TagCreateInput:
    group_id: relay.GlobalID = strawberry.field(description="The TagGroup.")
    name: str = strawberry.field(description="Name, unique within the group, 1-64 characters.")
    member_visible: bool = strawberry.field(
        default=False, description="Members see it on their profile."
    )
    description: str = strawberry.field(default="", description="What the tag means.")


@strawberry.input(
    description="Tags to put on or take off members: give memberIds or filter, not both."
)
class MemberTagsInput:
    tag_ids: list[relay.GlobalID] = strawberry.field(description="The tags.")
    member_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="These members (one or more)."
    )
    filter: MemberFilterInput | None = strawberry.field(
        default=None, description="Every member matching this filter (bulk)."
    )
    note: str = strawberry.field(default="", description="Why: what staff learned (max 200).")


@strawberry.input(description="Move a member to another lifecycle stage.")
class MemberStageSetInput:
    member_id: relay.GlobalID = strawberry.field(description="The Member.")
    stage: str = strawberry.field(
        description="Code of the target stage.", directives=[MaxLength(chars=32)]
    )
    reason: str = strawberry.field(description="Why, 1-500 characters; kept in the history.")


@strawberry.input(description="Profile fields to change; omitted fields stay as they are.")
class MemberProfileUpdateInput:
    member_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Staff: the Member to change. Members change themselves: omit it."
    )
    nickname: str | None = strawberry.field(default=None, description="At most 64 characters.")
    avatar_url: str | None = strawberry.field(default=None, description="An https:// image URL.")
    gender: Gender | None = strawberry.field(default=None, description="Gender.")  # type: ignore[valid-type]
    birthday: date | None = strawberry.field(default=None, description="Between 1900 and today.")
    region: str | None = strawberry.field(default=None, description="At most 64 characters.")

    def changes(self) -> dict[str, object]:
        fields = {
            "nickname": self.nickname,
            "avatar_url": self.avatar_url,
            "gender": self.gender,
            "birthday": self.birthday,
            "region": self.region,
        }
        return {k: v for k, v in fields.items() if v is not None}
