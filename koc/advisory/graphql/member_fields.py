"""Advisory fields of the Member type: the owner advisor, the history of owners, follow-ups.

Staff (ANALYST and up) read them for every member; an ADVISOR for the members it owns; members
and partners never (an advisor's notes are the brand's)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry import relay
from strawberry.types.nodes import SelectedField

from koc.advisory.graphql.types import FOLLOW_UPS, OWNER_CHANGES, FollowUp, OwnerChange
from koc.auth.viewer import advisor_id, is_staff
from koc.graphql.context import Info
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.graphql.prefetch import keys_of, load_all, primed
from koc.graphql.relay import After, Connection, First, children_primer, paginate_children
from koc.members.graphql import dataloaders as member_dl
from koc.members.graphql.access import may_read_member


async def check_staff_view(info: Info, member_id: int) -> None:
    """Staff, or the ADVISOR who owns the member; FORBIDDEN for everyone else."""
    viewer = info.context.viewer
    if is_staff(viewer):
        return
    if advisor_id(viewer) is not None and await may_read_member(info, member_id):
        return
    raise forbidden()


async def _owner_field(info: Info, member_id: int, name: str) -> Any:
    # Read through the request's member loader: a Member may be built from another feature's
    # row, which does not carry the owner.
    row = await loader(info, member_dl.load_members).load(member_id)
    return getattr(row, name) if row else None


async def _prime_owners(info: Info, members: Sequence[Any], field: SelectedField) -> object:
    """The owner field's rows for a page: the members' owners, then their usernames."""
    rows = await loader(info, member_dl.load_members).load_many(keys_of(members))
    owners = keys_of([r for r in rows if r is not None], "owner_id")
    return await loader(info, member_dl.load_staff_names).load_many(owners)


@strawberry.type(description="A staff account serving members one-to-one.")
class AdvisorRef:
    id: relay.GlobalID = strawberry.field(description="The StaffUser.")
    username: str = strawberry.field(description="Login name.")


@strawberry.type
class AdvisoryMemberFields:
    if TYPE_CHECKING:
        id: int  # the Member's database id, from the Member type

    @strawberry.field(
        description="The advisor who serves the member one-to-one; null: in the pool (公海).",
        metadata=primed(_prime_owners, staff_only=True),
    )
    async def owner(self, info: Info) -> AdvisorRef | None:
        await check_staff_view(info, self.id)
        owner_id = await _owner_field(info, self.id, "owner_id")
        if owner_id is None:
            return None
        username = await loader(info, member_dl.load_staff_names).load(owner_id)
        return AdvisorRef(id=relay.GlobalID("StaffUser", str(owner_id)), username=username or "")

    @strawberry.field(
        description="Since when the current owner serves the member (UTC).",
        metadata=primed(load_all(member_dl.load_members), staff_only=True),
    )
    async def owned_since(self, info: Info) -> datetime | None:
        await check_staff_view(info, self.id)
        return await _owner_field(info, self.id, "owned_at")

    @strawberry.field(
        description="Every change of owner, newest first.",
        metadata=primed(children_primer(OWNER_CHANGES), staff_only=True),
    )
    async def owner_history(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[OwnerChange]:
        await check_staff_view(info, self.id)
        return await paginate_children(
            info,
            OWNER_CHANGES,
            parent_id=self.id,
            first=first,
            after=after,
            to_node=OwnerChange.from_model,
        )

    @strawberry.field(
        description="The advisors' contacts with the member, newest first.",
        metadata=primed(children_primer(FOLLOW_UPS), staff_only=True),
    )
    async def follow_ups(
        self, info: Info, first: First = None, after: After = None
    ) -> Connection[FollowUp]:
        await check_staff_view(info, self.id)
        return await paginate_children(
            info,
            FOLLOW_UPS,
            parent_id=self.id,
            first=first,
            after=after,
            to_node=FollowUp.from_model,
        )
