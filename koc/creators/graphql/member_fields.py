"""KOC fields of the Member type: status, roles and certificate, the latest application and
its outcome, campaigns available and joined, and (for staff) the candidate score."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from koc.auth.viewer import MemberViewer, can_read_member, is_staff
from koc.creators import campaigns
from koc.creators.graphql import dataloaders as dl
from koc.creators.graphql import types as koc_types
from koc.graphql.context import Info
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.graphql.prefetch import load_all, load_all_then, primed

if TYPE_CHECKING:
    from koc.creators.graphql.types import (
        KocApplication,
        KocCampaign,
        KocCampaignParticipation,
        KocCandidate,
        KocProfile,
    )

TYPES = "koc.creators.graphql.types"
# A member sees at most this many available campaigns on their profile; `kocCampaigns` pages.
AVAILABLE_LIMIT = 50


def _check(info: Info, member_id: int) -> None:
    if not can_read_member(info.context.viewer, member_id):
        raise forbidden()


@strawberry.type
class KocMemberFields:
    if TYPE_CHECKING:
        id: int  # the Member's database id, from the Member type

    @strawberry.field(
        description="KOC status, roles and certificate; null when never considered.",
        metadata=primed(
            load_all_then(dl.load_profiles, "roles", dl.load_roles, lambda p, _: p.member_id)
        ),
    )
    async def koc(self, info: Info) -> Annotated[KocProfile, strawberry.lazy(TYPES)] | None:

        _check(info, self.id)
        row = await loader(info, dl.load_profiles).load(self.id)
        return koc_types.KocProfile.from_model(row) if row else None

    @strawberry.field(
        description="The latest KOC application or nomination (open, or its outcome).",
        metadata=primed(load_all(dl.load_latest_applications)),
    )
    async def koc_application(
        self, info: Info
    ) -> Annotated[KocApplication, strawberry.lazy(TYPES)] | None:

        _check(info, self.id)
        row = await loader(info, dl.load_latest_applications).load(self.id)
        return koc_types.KocApplication.from_model(row) if row else None

    @strawberry.field(
        description=f"Running campaigns open to the member, latest start first (at most "
        f"{AVAILABLE_LIMIT}; the member only, null for other callers)."
    )
    async def koc_campaigns_available(
        self, info: Info
    ) -> list[Annotated[KocCampaign, strawberry.lazy(TYPES)]] | None:

        viewer = info.context.viewer
        if not isinstance(viewer, MemberViewer) or viewer.member_id != self.id:
            return None
        qs = await campaigns.open_to_member(self.id)
        rows = await qs.order_by("-starts_at", "-id").limit(AVAILABLE_LIMIT)
        return [koc_types.KocCampaign.from_model(c) for c in rows]

    @strawberry.field(
        description="Campaigns the member joined, latest first, with submissions.",
        metadata=primed(load_all(dl.load_participations)),
    )
    async def koc_campaigns_joined(
        self, info: Info
    ) -> list[Annotated[KocCampaignParticipation, strawberry.lazy(TYPES)]]:

        _check(info, self.id)
        rows = await loader(info, dl.load_participations).load(self.id)
        return [
            koc_types.KocCampaignParticipation(
                joined_at=p.created_at, campaign_id=p.campaign_id, member_id=p.member_id
            )
            for p in rows
        ]

    @strawberry.field(
        description="KOC candidate scores and breakdown (staff only).",
        metadata=primed(load_all(dl.load_signals), staff_only=True),
    )
    async def koc_candidate(self, info: Info) -> Annotated[KocCandidate, strawberry.lazy(TYPES)]:

        if not is_staff(info.context.viewer):
            raise forbidden()
        return await koc_types.candidate_of(info, self.id)
