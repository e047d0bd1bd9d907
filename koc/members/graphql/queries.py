"""Queries of the members feature."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.scope import scope_filter
from koc.auth.viewer import MemberViewer, Viewer
from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.loaders import loader
from koc.graphql.mutations import Public, query
from koc.graphql.permissions import allow, forbidden
from koc.graphql.prefetch import prefetch, selected
from koc.graphql.relay import After, Connection, First, SortKey, paginate
from koc.members import models
from koc.members.graphql import dataloaders as dl
from koc.members.graphql.access import may_read_member
from koc.members.graphql.inputs import MemberFilterInput
from koc.members.graphql.types import LifecycleStage, Member, TagGroup
from koc.members.services import filter_members

CanListMembers = allow(
    staff=StaffRole.ANALYST, scope=PartnerScope.MEMBERS_READ, advisor=True, name="CanListMembers"
)
CanReadMember = allow(
    staff=StaffRole.ANALYST,
    scope=PartnerScope.MEMBERS_READ,
    member=True,
    advisor=True,
    name="CanReadMember",
)
CanReadStages = allow(staff=StaffRole.ANALYST, member=True, advisor=True, name="CanReadStages")
CanReadTags = allow(staff=StaffRole.ANALYST, advisor=True, name="CanReadTags")


@strawberry.type
class Query:
    @query(allow=Public, description="The signed-in member (null for staff and partner callers).")
    async def me(self, info: Info, viewer: Viewer) -> Member | None:
        if not isinstance(viewer, MemberViewer):
            return None
        row = await loader(info, dl.load_members).load(viewer.member_id)
        if row is None:
            return None
        member = Member.from_model(row)
        await prefetch(info, Member, [member], selected(info))
        return member

    @query(
        allow=CanListMembers,
        description="Members, newest first, filtered by tags, stage, text and time ranges. An "
        "ADVISOR lists only the members it owns.",
    )
    async def members(
        self,
        info: Info,
        viewer: Viewer,
        filter: MemberFilterInput | None = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Member]:
        page = await paginate(
            filter_members(scope_filter(await filter.to_filter() if filter else None, viewer)),
            first=first,
            after=after,
            to_node=Member.from_model,
            order=[SortKey("created_at")],
        )
        nodes = [edge.node for edge in page.edges]
        await prefetch(info, Member, nodes, selected(info, "edges", "node"))
        return page

    @query(
        allow=CanReadMember,
        description="One member by ID. Members may read only themselves, an ADVISOR only the "
        "members it owns.",
    )
    async def member(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="The Member.")],
    ) -> Member | None:
        member_id = decode_id(id, "Member", "id")
        if not await may_read_member(info, member_id):
            raise forbidden()
        row = await loader(info, dl.load_members).load(member_id)
        return Member.from_model(row) if row else None

    @query(allow=CanReadStages, description="The brand's lifecycle pipeline, in order.")
    async def lifecycle_stages(self) -> list[LifecycleStage]:
        return [
            LifecycleStage.from_model(s)
            for s in await models.LifecycleStage.all().order_by("position")
        ]

    @query(allow=CanReadTags, description="Tag groups with their tags.")
    async def tag_groups(self) -> list[TagGroup]:
        return [TagGroup.from_model(g) for g in await models.TagGroup.all().order_by("id")]
