"""Queries of the members feature."""

from __future__ import annotations

import strawberry
from strawberry import relay

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import MemberViewer, can_read_member
from koc.errors import DomainError
from koc.graphql.context import Info
from koc.graphql.errors import bad_input
from koc.graphql.ids import decode_id
from koc.graphql.loaders import loader
from koc.graphql.permissions import IsAnalyst, IsAuthenticated, allow, forbidden
from koc.graphql.relay import Connection, SortKey, paginate
from koc.members import models
from koc.members.graphql import dataloaders as dl
from koc.members.graphql.inputs import MemberFilterInput
from koc.members.graphql.types import LifecycleStage, Member, TagGroup
from koc.members.services import filter_members

CanListMembers = allow(
    staff=StaffRole.ANALYST, scope=PartnerScope.MEMBERS_READ, name="CanListMembers"
)
CanReadMember = allow(
    staff=StaffRole.ANALYST, scope=PartnerScope.MEMBERS_READ, member=True, name="CanReadMember"
)


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in member (null for staff and partner callers).")
    async def me(self, info: Info) -> Member | None:
        viewer = info.context.viewer
        if not isinstance(viewer, MemberViewer):
            return None
        row = await loader(info, dl.load_members).load(viewer.member_id)
        return Member.from_model(row) if row else None

    @strawberry.field(
        description="Members, newest first, filtered by tags, stage, text and time ranges.",
        permission_classes=[CanListMembers],
    )
    async def members(
        self,
        info: Info,
        filter: MemberFilterInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Member]:
        try:
            member_filter = filter.to_filter() if filter else None
        except DomainError as exc:
            raise bad_input(exc) from exc
        return await paginate(
            filter_members(member_filter),
            first=first,
            after=after,
            to_node=Member.from_model,
            order=[SortKey("created_at")],
        )

    @strawberry.field(
        description="One member by ID. Members may read only themselves.",
        permission_classes=[CanReadMember],
    )
    async def member(self, info: Info, id: relay.GlobalID) -> Member | None:
        try:
            member_id = decode_id(id, "Member", "id")
        except DomainError as exc:
            raise bad_input(exc) from exc
        if not can_read_member(info.context.viewer, member_id):
            raise forbidden()
        row = await loader(info, dl.load_members).load(member_id)
        return Member.from_model(row) if row else None

    @strawberry.field(
        description="The brand's lifecycle pipeline, in order.",
        permission_classes=[IsAuthenticated],
    )
    async def lifecycle_stages(self) -> list[LifecycleStage]:
        return [
            LifecycleStage.from_model(s)
            for s in await models.LifecycleStage.all().order_by("position")
        ]

    @strawberry.field(description="Tag groups with their tags.", permission_classes=[IsAnalyst])
    async def tag_groups(self) -> list[TagGroup]:
        return [TagGroup.from_model(g) for g in await models.TagGroup.all().order_by("id")]
