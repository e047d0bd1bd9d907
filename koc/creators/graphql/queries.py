"""Queries of the creators feature: candidates, the review queue, KOCs, campaigns, weights."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry
from strawberry import relay
from tortoise.expressions import Q, Subquery

from koc.auth.models import StaffRole
from koc.auth.viewer import MemberViewer, StaffViewer
from koc.creators import campaigns, models, signals
from koc.creators.graphql.types import (
    KocApplication,
    KocApplicationStatus,
    KocCampaign,
    KocCampaignStatus,
    KocCandidate,
    KocProfile,
    KocRole,
    KocScoringWeights,
    KocStatus,
    KocSubmission,
)
from koc.graphql.ids import decode_id
from koc.graphql.mutations import query
from koc.graphql.permissions import IsAnalyst, allow
from koc.graphql.relay import After, Connection, First, SortKey, paginate

CanListCampaigns = allow(staff=StaffRole.ANALYST, member=True, name="CanListCampaigns")


def _campaign_status_q(status: KocCampaignStatus, now: datetime) -> Q:
    if status is KocCampaignStatus.UPCOMING:
        return Q(starts_at__gt=now)
    if status is KocCampaignStatus.ENDED:
        return Q(ends_at__lte=now)
    return campaigns.running(now)


@strawberry.type
class Query:
    @query(
        allow=IsAnalyst,
        description="Members who are not (and were not) KOCs, ranked by candidate score, each "
        "with the breakdown behind it (ANALYST). Scores are kept current as signals arrive.",
        long_read=True,
    )
    async def koc_candidates(
        self,
        role: Annotated[
            KocRole | None,  # type: ignore[valid-type]
            strawberry.argument(description="Rank by this role's score (default: overall)."),
        ] = None,
        min_score: Annotated[
            float | None, strawberry.argument(description="Only scores at least this.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[KocCandidate]:
        chosen = models.KocRole(role) if role is not None else None
        column = signals.SCORE_COLUMNS[chosen]
        qs = models.MemberSignals.filter(is_koc=False)
        if min_score is not None:
            qs = qs.filter(**{f"{column}__gte": min_score})
        connection = await paginate(
            qs,
            first=first,
            after=after,
            to_node=lambda row: KocCandidate.from_model(row, chosen),
            order=[SortKey(column)],
            count=min_score is not None,
        )
        if min_score is None:
            # Everyone but the few KOCs: counting the non-KOCs visits an index entry per member
            # (110 ms at a million on SQLite), while a whole-table COUNT(*) is a b-tree count
            # there (15 ms) and the KOCs are an index range.
            connection.total_count = (
                await models.MemberSignals.all().count()
                - await models.MemberSignals.filter(is_koc=True).count()
            )
        return connection

    @query(
        allow=IsAnalyst,
        description="The review queue: applications and nominations, newest first (ANALYST). "
        "Members read their own through `me.kocApplication`.",
    )
    async def koc_applications(
        self,
        status: Annotated[
            KocApplicationStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only this status (PENDING for the open queue)."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[KocApplication]:
        qs = models.KocApplication.all()
        if status is not None:
            qs = qs.filter(status=status)
        return await paginate(
            qs,
            first=first,
            after=after,
            to_node=KocApplication.from_model,
            order=[SortKey("created_at")],
        )

    @query(allow=IsAnalyst, description="KOC profiles, most recently changed first (ANALYST).")
    async def kocs(
        self,
        status: Annotated[
            KocStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only this status."),
        ] = None,
        role: Annotated[
            KocRole | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only KOCs holding this role."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[KocProfile]:
        qs = models.KocProfile.all()
        if status is not None:
            qs = qs.filter(status=status)
        if role is not None:
            qs = qs.filter(
                member_id__in=Subquery(models.KocRoleGrant.filter(role=role).values("member_id"))
            )
        return await paginate(
            qs,
            first=first,
            after=after,
            to_node=KocProfile.from_model,
            order=[SortKey("status_changed_at")],
        )

    @query(
        allow=CanListCampaigns,
        description="Recruitment campaigns, latest start first. Staff (ANALYST) see all; a "
        "member sees the running campaigns open to them.",
    )
    async def koc_campaigns(
        self,
        viewer: MemberViewer | StaffViewer,
        role: Annotated[
            KocRole | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only campaigns for this role."),
        ] = None,
        status: Annotated[
            KocCampaignStatus | None,
            strawberry.argument(description="Only campaigns in this part of their window."),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[KocCampaign]:
        now = datetime.now(UTC)
        if isinstance(viewer, MemberViewer):
            qs = await campaigns.open_to_member(viewer.member_id)
        else:
            qs = models.KocCampaign.all()
        if status is not None:
            qs = qs.filter(_campaign_status_q(status, now))
        if role is not None:
            qs = qs.filter(role=role)
        return await paginate(
            qs,
            first=first,
            after=after,
            to_node=KocCampaign.from_model,
            order=[SortKey("starts_at")],
        )

    @query(
        allow=IsAnalyst,
        description="Submissions to a campaign, top-rated first, unrated last (ANALYST).",
    )
    async def koc_campaign_submissions(
        self,
        campaign_id: Annotated[relay.GlobalID, strawberry.argument(description="The KocCampaign.")],
        unrated_only: Annotated[
            bool, strawberry.argument(description="Only submissions not rated yet.")
        ] = False,
        first: First = None,
        after: After = None,
    ) -> Connection[KocSubmission]:
        campaign = decode_id(campaign_id, "KocCampaign", "campaignId")
        qs = models.CampaignSubmission.filter(campaign_id=campaign)
        if unrated_only:
            qs = qs.filter(rating_rank=0)
        return await paginate(
            qs,
            first=first,
            after=after,
            to_node=KocSubmission.from_model,
            order=[SortKey("rating_rank")],
        )

    @query(
        allow=IsAnalyst,
        description="The discovery scoring weights in force, with the defaults (ANALYST).",
    )
    async def koc_scoring_weights(self) -> KocScoringWeights:
        return KocScoringWeights.of(await signals.load_weights())
