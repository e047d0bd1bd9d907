"""Mutations of the members feature (staff: OPERATOR and up)."""

from __future__ import annotations

import strawberry

from koc.auth.models import StaffRole
from koc.auth.scope import scope_filter
from koc.auth.viewer import MemberViewer, StaffViewer, Viewer
from koc.errors import DomainError
from koc.graphql.ids import decode_id, decode_ids
from koc.graphql.mutations import Payload, mutation
from koc.graphql.permissions import IsOperator, IsOperatorOrAdvisor, allow, forbidden
from koc.members import services
from koc.members.bulk import TAGS_CHANGE, start_tags_change
from koc.members.errors import MemberErrorCode
from koc.members.graphql.access import require_owned
from koc.members.graphql.inputs import (
    MemberProfileUpdateInput,
    MemberStageSetInput,
    MemberTagsInput,
    TagCreateInput,
    TagGroupCreateInput,
)
from koc.members.graphql.targets import member_target
from koc.members.graphql.types import Member, MemberError, Tag, TagError, TagGroup
from koc.members.services import MemberFilter
from koc.worker.graphql.types import Job, job_access


@strawberry.type(description="Result of tagGroupCreate.")
class TagGroupCreatePayload(Payload[TagError]):
    tag_group: TagGroup | None = strawberry.field(default=None, description="The new group.")


@strawberry.type(description="Result of tagCreate.")
class TagCreatePayload(Payload[TagError]):
    tag: Tag | None = strawberry.field(default=None, description="The new tag.")


@strawberry.type(description="Result of memberTagsAdd and memberTagsRemove.")
class MemberTagsPayload(Payload[TagError]):
    matched_count: int = strawberry.field(
        default=0, description="Members the change covers (with a filter: who match now)."
    )
    changed_count: int = strawberry.field(
        default=0,
        description="Tag assignments added (or removed); tags already held are not counted. "
        "With a filter 0: the job's summary tells, once it is DONE.",
    )
    job: Job | None = strawberry.field(
        default=None,
        description="With a filter, the job making the change (status, progress, summary); "
        "null for memberIds, changed at once.",
    )


job_access(TAGS_CHANGE, IsOperator)


@strawberry.type(description="Result of memberStageSet.")
class MemberStageSetPayload(Payload[MemberError]):
    member: Member | None = strawberry.field(
        default=None, description="The member, on its new stage."
    )


@strawberry.type(description="Result of memberProfileUpdate.")
class MemberProfileUpdatePayload(Payload[MemberError]):
    member: Member | None = strawberry.field(
        default=None, description="The member after the change."
    )


CanUpdateProfile = allow(
    staff=StaffRole.OPERATOR, member=True, advisor=True, name="CanUpdateProfile"
)


async def _tags_target(input: MemberTagsInput, viewer: Viewer) -> tuple[MemberFilter, list[int]]:
    """The members a tag change covers, within the caller's reach: IDs an ADVISOR does not own
    are refused, a filter is narrowed to its members."""
    tag_ids = decode_ids(input.tag_ids, "Tag", "tagIds")
    target = await member_target(input.member_ids, input.filter)
    if target.ids is not None:
        await require_owned(viewer, target.ids)
    scoped = scope_filter(target, viewer)
    assert scoped is not None
    return scoped, tag_ids


async def _start_tags_change(
    target: MemberFilter, tag_ids: list[int], note: str, *, add: bool, actor: StaffViewer
) -> MemberTagsPayload:
    matched, job = await start_tags_change(target, tag_ids, note, add=add, actor=actor)
    return MemberTagsPayload(matched_count=matched, job=Job.from_model(job))


def _as_job(input: MemberTagsInput, viewer: StaffViewer) -> bool:
    """A filter can match every member: the change runs as a job. An ADVISOR's filter covers
    only the members it owns, a change made at once."""
    return input.filter is not None and not viewer.is_advisor


@strawberry.type
class Mutation:
    @mutation(allow=IsOperator, description="Create a tag group.")
    async def tag_group_create(
        self, viewer: StaffViewer, input: TagGroupCreateInput
    ) -> TagGroupCreatePayload:
        group = await services.create_tag_group(
            input.name, input.family, input.exclusive, input.description, actor=viewer
        )
        return TagGroupCreatePayload(tag_group=TagGroup.from_model(group))

    @mutation(allow=IsOperator, description="Create a tag in a group.")
    async def tag_create(self, viewer: StaffViewer, input: TagCreateInput) -> TagCreatePayload:
        group_id = decode_id(input.group_id, "TagGroup", "groupId")
        tag = await services.create_tag(
            group_id, input.name, input.member_visible, input.description, actor=viewer
        )
        return TagCreatePayload(tag=Tag.from_model(tag))

    @mutation(
        allow=IsOperatorOrAdvisor,
        description="Put tags on members (by ID or every member matching a filter). A tag of an "
        "exclusive group replaces the member's other tag of that group. With a filter the "
        "change runs as a job (the payload's job). An ADVISOR tags only the members it owns "
        "(at once, no job).",
    )
    async def member_tags_add(
        self, viewer: StaffViewer, input: MemberTagsInput
    ) -> MemberTagsPayload:
        target, tag_ids = await _tags_target(input, viewer)
        if _as_job(input, viewer):
            return await _start_tags_change(target, tag_ids, input.note, add=True, actor=viewer)
        matched, changed = await services.add_member_tags(target, tag_ids, input.note, actor=viewer)
        return MemberTagsPayload(matched_count=matched, changed_count=changed)

    @mutation(
        allow=IsOperatorOrAdvisor,
        description="Take tags off members (by ID, or with a filter as a job: the payload's job). "
        "An ADVISOR: only off the members it owns.",
    )
    async def member_tags_remove(
        self, viewer: StaffViewer, input: MemberTagsInput
    ) -> MemberTagsPayload:
        target, tag_ids = await _tags_target(input, viewer)
        if _as_job(input, viewer):
            return await _start_tags_change(target, tag_ids, "", add=False, actor=viewer)
        matched, changed = await services.remove_member_tags(target, tag_ids, actor=viewer)
        return MemberTagsPayload(matched_count=matched, changed_count=changed)

    @mutation(
        allow=IsOperatorOrAdvisor,
        description="Move a member to a lifecycle stage, with a reason kept in its history (an "
        "ADVISOR: only a member it owns).",
    )
    async def member_stage_set(
        self, viewer: StaffViewer, input: MemberStageSetInput
    ) -> MemberStageSetPayload:
        member_id = decode_id(input.member_id, "Member", "memberId")
        await require_owned(viewer, [member_id])
        member = await services.set_member_stage(member_id, input.stage, input.reason, actor=viewer)
        return MemberStageSetPayload(member=Member.from_model(member))

    @mutation(
        allow=CanUpdateProfile,
        description="Change profile fields: a member their own, OPERATOR staff anyone's, an "
        "ADVISOR those of the members it owns (audited).",
    )
    async def member_profile_update(
        self, viewer: MemberViewer | StaffViewer, input: MemberProfileUpdateInput
    ) -> MemberProfileUpdatePayload:
        if isinstance(viewer, MemberViewer):
            if (
                input.member_id is not None
                and decode_id(input.member_id, "Member", "memberId") != viewer.member_id
            ):
                raise forbidden()
            member = await services.update_profile(viewer.member_id, input.changes(), actor=None)
        else:
            if input.member_id is None:
                raise DomainError(MemberErrorCode.INVALID, "Name the member to change.", "memberId")
            member_id = decode_id(input.member_id, "Member", "memberId")
            await require_owned(viewer, [member_id])
            member = await services.update_profile(member_id, input.changes(), actor=viewer)
        return MemberProfileUpdatePayload(member=Member.from_model(member))
