"""Queries of advisory: the pool, an advisor's queue, the routes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import strawberry
from strawberry import relay

from koc.advisory import followups, models, reports
from koc.advisory.errors import AdvisoryErrorCode
from koc.advisory.graphql.types import AdvisorRoute, FollowUp, SalesStep
from koc.auth.models import StaffRole
from koc.auth.viewer import StaffViewer
from koc.auth.viewer import advisor_id as advisor_id_of
from koc.errors import DomainError
from koc.graphql.ids import decode_id
from koc.graphql.mutations import query
from koc.graphql.permissions import IsAnalyst, allow, forbidden
from koc.graphql.relay import After, Connection, First, SortKey, paginate
from koc.members.graphql.types import Member
from koc.members.models import Member as MemberModel

IsStaffOrAdvisor = allow(staff=StaffRole.ANALYST, advisor=True, name="IsStaffOrAdvisor")
MAX_HORIZON_HOURS = 24 * 31


@strawberry.type(description="What an advisor should do next.")
class AdvisorQueue:
    advisor_id: strawberry.Private[int]
    until: strawberry.Private[datetime]

    @strawberry.field(
        description="Open next actions due by the horizon, overdue ones first (soonest due first)."
    )
    async def due(self, first: First = None, after: After = None) -> Connection[FollowUp]:
        return await paginate(
            followups.due_actions(self.advisor_id, self.until),
            first=first,
            after=after,
            to_node=FollowUp.from_model,
            order=[SortKey("next_action_due_at", descending=False)],
        )

    @strawberry.field(description="Members the advisor owns and never contacted, newest first.")
    async def new_leads(self, first: First = None, after: After = None) -> Connection[Member]:
        return await paginate(
            followups.uncontacted_leads(self.advisor_id),
            first=first,
            after=after,
            to_node=Member.from_model,
            order=[SortKey("owned_at")],
        )


@strawberry.type(description="How many follow-ups of one sales step.")
class StepCount:
    step: SalesStep = strawberry.field(description="The sales step.")  # type: ignore[valid-type]
    count: int = strawberry.field(description="Follow-ups recorded in the period.")


@strawberry.type(description="One advisor's figures over a period.")
class AdvisorReportRow:
    advisor_id: relay.GlobalID = strawberry.field(description="The StaffUser.")
    advisor: str = strawberry.field(description="Its username.")
    members_owned: int = strawberry.field(description="Members it owns now.")
    assigned_count: int = strawberry.field(
        description="Members who came to it in the period (any way: assigned, routed, claimed, "
        "handed over)."
    )
    contacted_count: int = strawberry.field(
        description="Of those, members it followed up after they came."
    )
    first_contact_median_seconds: int | None = strawberry.field(
        description="Median time from a member coming to the advisor to its first follow-up; "
        "null when none was contacted."
    )
    follow_ups_by_step: list[StepCount] = strawberry.field(
        description="Follow-ups recorded in the period, per sales step."
    )
    members_ordered: int = strawberry.field(
        description="Members it owns now who placed an order in the period (not fully refunded)."
    )
    order_count: int = strawberry.field(description="Those members' orders in the period.")
    referral_order_count: int = strawberry.field(
        description="Of those orders, the ones attributed to a referral."
    )
    referral_share: float | None = strawberry.field(
        description="referralOrderCount / orderCount; null without orders."
    )

    @classmethod
    def of(cls, f: reports.AdvisorFigures) -> AdvisorReportRow:
        median = f.first_contact_median
        return cls(
            advisor_id=relay.GlobalID("StaffUser", str(f.advisor_id)),
            advisor=f.username,
            members_owned=f.members_owned,
            assigned_count=f.assigned,
            contacted_count=f.contacted,
            first_contact_median_seconds=int(median.total_seconds()) if median else None,
            follow_ups_by_step=[
                StepCount(step=step, count=f.follow_ups_by_step.get(step, 0))
                for step in models.SalesStep
            ],
            members_ordered=f.members_ordered,
            order_count=f.orders,
            referral_order_count=f.referral_orders,
            referral_share=f.referral_share,
        )


def _queue_owner(viewer: StaffViewer, given: relay.GlobalID | None) -> int:
    own = advisor_id_of(viewer)
    if own is not None:
        if given is not None and decode_id(given, "StaffUser", "advisorId") != own:
            raise forbidden()
        return own
    if given is None:
        raise DomainError(AdvisoryErrorCode.INVALID, "Name the advisor.", "advisorId")
    return decode_id(given, "StaffUser", "advisorId")


@strawberry.type
class Query:
    @query(
        allow=IsStaffOrAdvisor,
        description="Members with no owner advisor (the pool, 公海), newest first; an ADVISOR "
        "claims them with memberClaim.",
    )
    async def member_pool(self, first: First = None, after: After = None) -> Connection[Member]:
        return await paginate(
            MemberModel.filter(owner_id=None),
            first=first,
            after=after,
            to_node=Member.from_model,
            order=[SortKey("created_at")],
        )

    @query(
        allow=IsStaffOrAdvisor,
        description="An advisor's queue: next actions due (and overdue), and owned leads never "
        "contacted. An ADVISOR reads its own; staff name the advisor.",
    )
    async def advisor_queue(
        self,
        viewer: StaffViewer,
        advisor_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="The StaffUser; an ADVISOR may omit it."),
        ] = None,
        within_hours: Annotated[
            int,
            strawberry.argument(description="Next actions due within this many hours (0-744)."),
        ] = 24,
    ) -> AdvisorQueue:
        if not 0 <= within_hours <= MAX_HORIZON_HOURS:
            raise DomainError(
                AdvisoryErrorCode.INVALID, f"0 to {MAX_HORIZON_HOURS} hours.", "withinHours"
            )
        until = datetime.now(UTC) + timedelta(hours=within_hours)
        return AdvisorQueue(advisor_id=_queue_owner(viewer, advisor_id), until=until)

    @query(
        allow=IsAnalyst,
        description="Every round-robin route of every advisor.",
    )
    async def advisor_routes(self) -> list[AdvisorRoute]:
        rows = await models.AdvisorRoute.all().order_by("advisor_id", "channel", "region")
        return [AdvisorRoute.from_model(r) for r in rows]

    @query(
        allow=IsStaffOrAdvisor,
        description="Per advisor over a period (at most 366 days): members owned, first-contact "
        "time, follow-ups by step, members who ordered and the referral share of their orders. "
        "An ADVISOR reads its own row.",
    )
    async def advisor_report(
        self,
        viewer: StaffViewer,
        from_: Annotated[
            datetime, strawberry.argument(name="from", description="Start (inclusive).")
        ],
        to: Annotated[datetime, strawberry.argument(description="End (exclusive).")],
        advisor_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only this advisor (an ADVISOR: itself)."),
        ] = None,
    ) -> list[AdvisorReportRow]:
        own = advisor_id_of(viewer)
        chosen = decode_id(advisor_id, "StaffUser", "advisorId") if advisor_id else None
        if own is not None:
            if chosen not in (None, own):
                raise forbidden()
            chosen = own
        figures = await reports.advisor_report(from_, to, advisor_id=chosen)
        return [AdvisorReportRow.of(f) for f in figures]
