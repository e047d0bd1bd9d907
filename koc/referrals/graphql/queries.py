"""Queries of the referrals feature: the program, referrals and the review queue, rewards,
binding attempts, the report, the leaderboard and the referral tree."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay
from tortoise.queryset import QuerySet

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import MemberViewer
from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.mutations import query
from koc.graphql.permissions import allow
from koc.graphql.relay import After, Connection, First, SortKey, paginate
from koc.referrals import models, reports
from koc.referrals.graphql.inputs import (
    ReferralAttemptFilterInput,
    ReferralFilterInput,
    ReferralRewardFilterInput,
)
from koc.referrals.graphql.types import (
    Referral,
    ReferralAttempt,
    ReferralGroupBy,
    ReferralLeaderboardEntry,
    ReferralPeriod,
    ReferralProgram,
    ReferralReport,
    ReferralReward,
    ReferralTree,
)
from koc.referrals.program import get_program

CanReadReferrals = allow(
    staff=StaffRole.ANALYST, scope=PartnerScope.REFERRALS_READ, name="CanReadReferrals"
)
CanReadOwnReferrals = allow(
    staff=StaffRole.ANALYST,
    scope=PartnerScope.REFERRALS_READ,
    member=True,
    name="CanReadOwnReferrals",
)


def _referral_queryset(info: Info, f: ReferralFilterInput | None) -> QuerySet[models.Referral]:
    qs = models.Referral.all()
    viewer = info.context.viewer
    if isinstance(viewer, MemberViewer):
        # A member lists the referrals they brought, whatever the filter says.
        qs = qs.filter(referrer_id=viewer.member_id)
    if f is None:
        return qs
    if f.referrer_id is not None:
        qs = qs.filter(referrer_id=decode_id(f.referrer_id, "Member", "filter.referrerId"))
    if f.referee_id is not None:
        qs = qs.filter(referee_id=decode_id(f.referee_id, "Member", "filter.refereeId"))
    if f.milestone is not None:
        qs = qs.filter(milestone=f.milestone)
    if f.review_status is not None:
        qs = qs.filter(review_status=f.review_status)
    if f.bound_from is not None:
        qs = qs.filter(bound_at__gte=f.bound_from)
    if f.bound_to is not None:
        qs = qs.filter(bound_at__lt=f.bound_to)
    return qs


@strawberry.type
class Query:
    @query(
        allow=CanReadOwnReferrals,
        description="The referral program's rules (members, staff, partners with referrals:read).",
    )
    async def referral_program(self) -> ReferralProgram:
        return ReferralProgram.from_model(await get_program())

    @query(
        allow=CanReadOwnReferrals,
        description="Referrals, newest bound first. `filter: {reviewStatus: PENDING}` is the "
        "fraud review queue (ANALYST). Members see only those they brought.",
    )
    async def referrals(
        self,
        info: Info,
        filter: Annotated[
            ReferralFilterInput | None,
            strawberry.argument(
                description="Which referrals; members always see only those they brought."
            ),
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[Referral]:
        qs = _referral_queryset(info, filter)
        return await paginate(
            qs, first=first, after=after, to_node=Referral.from_model, order=[SortKey("bound_at")]
        )

    @query(
        allow=CanReadReferrals,
        description="Referral rewards, newest first (ANALYST, partners with referrals:read).",
    )
    async def referral_rewards(
        self,
        filter: Annotated[
            ReferralRewardFilterInput | None, strawberry.argument(description="Which rewards.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[ReferralReward]:
        qs = models.ReferralReward.all()
        if filter is not None:
            if filter.member_id is not None:
                member_id = decode_id(filter.member_id, "Member", "filter.memberId")
                qs = qs.filter(member_id=member_id)
            if filter.status is not None:
                qs = qs.filter(status=filter.status)
        return await paginate(qs, first=first, after=after, to_node=ReferralReward.from_model)

    @query(
        allow=CanReadReferrals,
        description="Calls to bind a referee, newest first, with the refusal reason of those "
        "refused (ANALYST, partners with referrals:read).",
    )
    async def referral_attempts(
        self,
        filter: Annotated[
            ReferralAttemptFilterInput | None, strawberry.argument(description="Which attempts.")
        ] = None,
        first: First = None,
        after: After = None,
    ) -> Connection[ReferralAttempt]:
        qs = models.ReferralAttempt.all()
        if filter is not None:
            if filter.referee_id is not None:
                referee_id = decode_id(filter.referee_id, "Member", "filter.refereeId")
                qs = qs.filter(referee_id=referee_id)
            if filter.refused is not None:
                qs = qs.filter(refusal__isnull=not filter.refused)
            if filter.refusal is not None:
                qs = qs.filter(refusal=filter.refusal)
        return await paginate(
            qs,
            first=first,
            after=after,
            to_node=ReferralAttempt.from_model,
            order=[SortKey("created_at")],
        )

    @query(
        allow=CanReadReferrals,
        description="Orders and revenue in [from, to) with the part referrals brought and its "
        "share, split by day, week, month, category or referrer, and the referral funnel "
        "(ANALYST, partners with referrals:read).",
        long_read=True,
    )
    async def referral_report(
        self,
        from_: Annotated[
            datetime, strawberry.argument(name="from", description="Start (inclusive).")
        ],
        to: Annotated[
            datetime, strawberry.argument(description="End (exclusive), <= ~3 years on.")
        ],
        group_by: Annotated[ReferralGroupBy, strawberry.argument(description="How to split rows.")],  # type: ignore[valid-type]
        currency: Annotated[
            str, strawberry.argument(description="Only orders in this currency.")
        ] = "CNY",
    ) -> ReferralReport:
        report = await reports.referral_report(from_, to, group_by, currency)
        return ReferralReport.from_report(report)

    @query(
        allow=CanReadReferrals,
        description="Top referrers of the current period by conversions still standing, then "
        "by referred revenue (ANALYST, partners with referrals:read).",
        long_read=True,
    )
    async def referral_leaderboard(
        self,
        period: Annotated[
            ReferralPeriod,
            strawberry.argument(description="This month, quarter, year, or all time."),
        ],  # type: ignore[valid-type]
        first: Annotated[int, strawberry.argument(description="How many, 1-100.")] = 10,
        currency: Annotated[str, strawberry.argument(description="Revenue currency.")] = "CNY",
    ) -> list[ReferralLeaderboardEntry]:
        entries = await reports.leaderboard(period, first, currency)
        return [
            ReferralLeaderboardEntry(
                rank=e.rank,
                conversions=e.conversions,
                referred_revenue_cents=e.referred_revenue_cents,
                referrer_id=e.referrer_id,
            )
            for e in entries
        ]

    @query(
        allow=CanReadReferrals,
        description="Who a member brought, and whom those brought (depth 1-3), with revenue "
        "rolled up per node (ANALYST, partners with referrals:read).",
        long_read=True,
    )
    async def referral_tree(
        self,
        member: Annotated[relay.GlobalID, strawberry.argument(description="The root Member.")],
        depth: Annotated[int, strawberry.argument(description="Levels below the root, 1-3.")] = 3,
        currency: Annotated[str, strawberry.argument(description="Revenue currency.")] = "CNY",
    ) -> ReferralTree:
        member_id = decode_id(member, "Member", "member")
        tree = await reports.referral_tree(member_id, depth, currency)
        return ReferralTree.from_tree(tree)
