"""Mutations of the members feature (staff: OPERATOR and up)."""

from __future__ import annotations

import strawberry

from koc.auth.models import StaffRole
from koc.auth.viewer import MemberViewer
from koc.errors import DomainError
from koc.graphql.context import Info
from koc.graphql.errors import errors_of
from koc.graphql.ids import decode_id, decode_ids
from koc.graphql.permissions import IsOperator, allow, forbidden, require_staff
from koc.members import services
from koc.members.errors import MemberErrorCode, TagErrorCode
from koc.members.graphql.inputs import (
    MemberProfileUpdateInput,
    MemberStageSetInput,
    MemberTagsInput,
    TagCreateInput,
    TagGroupCreateInput,
)
from koc.members.graphql.types import Member, MemberError, Tag, TagError, TagGroup
from koc.members.services import MemberFilter


@strawberry.type(description="Result of tagGroupCreate.")
class TagGroupCreatePayload:
    tag_group: TagGroup | None = strawberry.field(default=None, description="The new group.")
    errors: list[TagError] = strawberry.field(default_factory=list, description="What was wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of tagCreate.")
class TagCreatePayload:
    tag: Tag | None = strawberry.field(default=None, description="The new tag.")
    errors: list[TagError] = strawberry.field(default_factory=list, description="What was wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of memberTagsAdd and memberTagsRemove.")
class MemberTagsPayload:
    matched_count: int = strawberry.field(default=0, description="Members the change covered.")
    changed_count: int = strawberry.field(
        default=0,
        description="Tag assignments added (or removed); tags already held are not counted.",
    )
    errors: list[TagError] = strawberry.field(default_factory=list, description="What was wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Result of memberStageSet.")
class MemberStageSetPayload:
    member: Member | None = strawberry.field(
        default=None, description="The member, on its new stage."
    )
    errors: list[MemberError] = strawberry.field(
        default_factory=list, description="What was wrong."
    )  # type: ignore[valid-type]


@strawberry.type(description="Result of memberProfileUpdate.")
class MemberProfileUpdatePayload:
    member: Member | None = strawberry.field(
        default=None, description="The member after the change."
    )
    errors: list[MemberError] = strawberry.field(
        default_factory=list, description="What was wrong."
    )  # type: ignore[valid-type]


def _tags_target(input: MemberTagsInput) -> tuple[MemberFilter, list[int]]:
    tag_ids = decode_ids(input.tag_ids, "Tag", "tagIds")
    if (input.member_ids is None) == (input.filter is None):
        raise DomainError(TagErrorCode.INVALID, "Give memberIds or filter, not both.", "memberIds")
    if input.member_ids is not None:
        if not input.member_ids:
            raise DomainError(TagErrorCode.NO_MEMBERS, "Give at least one member.", "memberIds")
        return MemberFilter(ids=decode_ids(input.member_ids, "Member", "memberIds")), tag_ids
    assert input.filter is not None
    return input.filter.to_filter(), tag_ids


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a tag group.", permission_classes=[IsOperator])
    async def tag_group_create(
        self, info: Info, input: TagGroupCreateInput
    ) -> TagGroupCreatePayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            group = await services.create_tag_group(
                input.name, input.family, input.exclusive, input.description, actor=actor
            )
        except DomainError as exc:
            return TagGroupCreatePayload(errors=errors_of(exc, TagError))
        return TagGroupCreatePayload(tag_group=TagGroup.from_model(group))

    @strawberry.mutation(description="Create a tag in a group.", permission_classes=[IsOperator])
    async def tag_create(self, info: Info, input: TagCreateInput) -> TagCreatePayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            group_id = decode_id(input.group_id, "TagGroup", "groupId")
            tag = await services.create_tag(
                group_id, input.name, input.member_visible, input.description, actor=actor
            )
        except DomainError as exc:
            return TagCreatePayload(errors=errors_of(exc, TagError))
        return TagCreatePayload(tag=Tag.from_model(tag))

    @strawberry.mutation(
        description="Put tags on members (by ID or every member matching a filter). A tag of an "
        "exclusive group replaces the member's other tag of that group.",
        permission_classes=[IsOperator],
    )
    async def member_tags_add(self, info: Info, input: MemberTagsInput) -> MemberTagsPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            target, tag_ids = _tags_target(input)
            matched, changed = await services.add_member_tags(
                target, tag_ids, input.note, actor=actor
            )
        except DomainError as exc:
            return MemberTagsPayload(errors=errors_of(exc, TagError))
        return MemberTagsPayload(matched_count=matched, changed_count=changed)

    @strawberry.mutation(description="Take tags off members.", permission_classes=[IsOperator])
    async def member_tags_remove(self, info: Info, input: MemberTagsInput) -> MemberTagsPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            target, tag_ids = _tags_target(input)
            matched, changed = await services.remove_member_tags(target, tag_ids, actor=actor)
        except DomainError as exc:
            return MemberTagsPayload(errors=errors_of(exc, TagError))
        return MemberTagsPayload(matched_count=matched, changed_count=changed)

    @strawberry.mutation(
        description="Move a member to a lifecycle stage, with a reason kept in its history.",
        permission_classes=[IsOperator],
    )
    async def member_stage_set(
        self, info: Info, input: MemberStageSetInput
    ) -> MemberStageSetPayload:
        actor = require_staff(info, StaffRole.OPERATOR)
        try:
            member_id = decode_id(input.member_id, "Member", "memberId")
            member = await services.set_member_stage(
                member_id, input.stage, input.reason, actor=actor
            )
        except DomainError as exc:
            return MemberStageSetPayload(errors=errors_of(exc, MemberError))
        return MemberStageSetPayload(member=Member.from_model(member))

    @strawberry.mutation(
        description="Change profile fields: a member their own, OPERATOR staff anyone's (audited).",
        permission_classes=[allow(staff=StaffRole.OPERATOR, member=True, name="CanUpdateProfile")],
    )
    async def member_profile_update(
        self, info: Info, input: MemberProfileUpdateInput
    ) -> MemberProfileUpdatePayload:
        viewer = info.context.viewer
        try:
            if isinstance(viewer, MemberViewer):
                if (
                    input.member_id is not None
                    and decode_id(input.member_id, "Member", "memberId") != viewer.member_id
                ):
                    raise forbidden()
                member = await services.update_profile(
                    viewer.member_id, input.changes(), actor=None
                )
            else:
                if input.member_id is None:
                    raise DomainError(
                        MemberErrorCode.INVALID, "Name the member to change.", "memberId"
                    )
                actor = require_staff(info, StaffRole.OPERATOR)
                member_id = decode_id(input.member_id, "Member", "memberId")
                member = await services.update_profile(member_id, input.changes(), actor=actor)
        except DomainError as exc:
            return MemberProfileUpdatePayload(errors=errors_of(exc, MemberError))
        return MemberProfileUpdatePayload(member=Member.from_model(member))
