"""GraphQL types of referrals, rewards, points and reports.

Member and Order are referenced lazily: this module is imported by the Member type's
extension mixin, so it must not import the members' types at import time.

Over 500 lines on purpose: one small GraphQL type per concept of the feature (34 of
them), each beside the types it points at; split by concept, the feature's API would be read
across as many files.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from koc.auth.models import PartnerScope
from koc.auth.viewer import MemberViewer, Viewer, is_partner_with, is_staff
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.graphql.scalars import Long
from koc.members.graphql import dataloaders as member_dl
from koc.members.graphql import types as member_types
from koc.orders.graphql import types as order_types
from koc.referrals import models, reports, rules
from koc.referrals.codes import CodeRow
from koc.referrals.errors import ReferralErrorCode
from koc.referrals.graphql import dataloaders as dl
from koc.referrals.program import program_tiers
from koc.settings import get_settings

if TYPE_CHECKING:
    from koc.members.graphql.types import Member
    from koc.orders.graphql.types import Order

MEMBER_TYPES = "koc.members.graphql.types"
ORDER_TYPES = "koc.orders.graphql.types"

ReferralChannel = enum_type(
    models.ReferralChannel,
    "How the referee arrived.",
    SHARE="A card shared in WeChat.",
    POSTER="A poster's QR code.",
    WECOM="A WeCom add-contact event (channel state).",
    ORDER="A code given at order time (an offline referral).",
    STAFF="Bound by staff.",
    OTHER="Anything else.",
)
Milestone = enum_type(
    models.Milestone,
    "How far a referral got: LEAD -> TEST_DRIVE -> DEPOSIT -> CONVERTED.",
    LEAD="Bound to the referrer.",
    TEST_DRIVE="The referee took a test drive.",
    DEPOSIT="The referee paid a deposit.",
    CONVERTED="The referee placed a qualifying order.",
)
ReferralStepKind = enum_type(
    models.StepKind,
    "What happened to a referral.",
    name="ReferralStepKind",
    LEAD="Bound to the referrer.",
    TEST_DRIVE="The referee took a test drive.",
    DEPOSIT="The referee paid a deposit.",
    CONVERTED="The referee placed a qualifying order.",
    REVERSED="The converting order was refunded.",
    REATTRIBUTED="Staff moved the referral to another referrer.",
    FLAGGED="Fraud signals put it in the review queue.",
    APPROVED="Staff approved it in review.",
    REJECTED="Staff rejected it in review.",
)
RefusalReason = enum_type(
    models.RefusalReason,
    "Why a binding was refused.",
    **{reason.name: ReferralErrorCode(reason.value).description for reason in models.RefusalReason},
)
ReviewStatus = enum_type(
    models.ReviewStatus,
    "Where a referral is in fraud review.",
    name="ReferralReviewStatus",
    NONE="Not flagged.",
    PENDING="Flagged, in the review queue; its rewards are held.",
    APPROVED="Approved by staff.",
    REJECTED="Rejected by staff: its conversions no longer count.",
)
FraudSignal = enum_type(
    models.FraudSignal,
    "Why a referral was flagged.",
    SHARED_UNIONID="The two sides share a WeChat unionid.",
    SHARED_PHONE="The two sides share a phone number.",
    SHARED_DEVICE="The two sides share a device.",
    BURST_HOUR="Too many bindings by the referrer within an hour.",
    BURST_DAY="Too many bindings by the referrer within a day.",
    LOOP="A referral loop (A->B->A or A->B->C->A).",
    IDLE_REFEREES="The referrer has many referees who never order.",
    RISK_RANK="The risk rank the caller supplied is high.",
)
ConversionStatus = enum_type(
    models.ConversionStatus,
    "Whether a conversion still counts.",
    name="ReferralConversionStatus",
    ACTIVE="It counts.",
    REVERSED="The order was refunded.",
    REJECTED="The referral was rejected in review.",
)
RewardKind = enum_type(
    models.RewardKind,
    "What a reward is.",
    name="ReferralRewardKind",
    POINTS="Points.",
    PRIVILEGE="A privilege grant.",
)
RewardRole = enum_type(
    models.RewardRole,
    "Who earns the reward.",
    name="ReferralRewardRole",
    REFERRER="The member who referred.",
    REFEREE="The member who was referred.",
)
RewardStatus = enum_type(
    models.RewardStatus,
    "Where a reward stands.",
    name="ReferralRewardStatus",
    PENDING="In its hold period (the order's refund window).",
    HELD="The referral awaits a fraud review.",
    ISSUED="Given to the member.",
    REJECTED="Refused (in review, or by staff).",
    CLAWED_BACK="Taken back: the order was refunded.",
    FAILED="Could not be granted (e.g. the privilege is unavailable).",
)
PointsReason = enum_type(
    models.PointsReason,
    "Why points changed.",
    REFERRAL_REWARD="A referral reward was issued.",
    CLAWBACK="A reward was taken back after a refund.",
    MERGE="Points of a merged duplicate member moved here.",
)
QualifyingOrders = enum_type(
    models.QualifyingOrders,
    "Which orders of a bound referee convert.",
    FIRST_ORDER="Only the first qualifying order.",
    EVERY_ORDER="Every qualifying order.",
)
ReferralPeriod = enum_type(
    models.TierPeriod,
    "A period conversions are counted over (the program's tiers, the leaderboard).",
    name="ReferralPeriod",
    MONTH="A calendar month (UTC).",
    QUARTER="A calendar quarter (UTC).",
    YEAR="A calendar year (UTC).",
    ALL_TIME="No period: everything since the start.",
)
ReferralGroupBy = enum_type(
    reports.GroupBy,
    "Rows of a report.",
    name="ReferralGroupBy",
    DAY="One row per day (UTC).",
    WEEK="One row per week, Monday to Sunday (UTC).",
    MONTH="One row per calendar month (UTC).",
    CATEGORY="One row per product category.",
    REFERRER="One row per referrer.",
)


class ReviewDecisionValue(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


ReviewDecision = enum_type(
    ReviewDecisionValue,
    "A staff decision.",
    name="ReviewDecision",
    APPROVE="Approve.",
    REJECT="Reject.",
)


class ReferrerStatusValue(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    BANNED = "BANNED"


ReferrerStatus = enum_type(
    ReferrerStatusValue,
    "May the member bring referees?",
    name="ReferrerStatus",
    ACTIVE="Yes.",
    PAUSED="Not while paused: follows a paused KOC profile.",
    BANNED="No: set by staff, or follows a banned KOC profile.",
)

ReferralError = error_type(
    "ReferralError",
    ReferralErrorCode,
    "A problem with a referral operation; a refused binding carries its refusal reason.",
)


def reads_referrals(viewer: Viewer) -> bool:
    """Staff and partners with referrals:read see every referral's data."""
    return is_staff(viewer) or is_partner_with(viewer, PartnerScope.REFERRALS_READ)


def viewer_member_id(viewer: Viewer) -> int | None:
    return viewer.member_id if isinstance(viewer, MemberViewer) else None


def referrer_status(
    account: models.ReferralAccount | dl.AccountRow | None,
) -> ReferrerStatusValue:
    reason = rules.referrer_block(account.koc_status, account.banned) if account else None
    if reason is models.RefusalReason.REFERRER_BANNED:
        return ReferrerStatusValue.BANNED
    if reason is models.RefusalReason.REFERRER_PAUSED:
        return ReferrerStatusValue.PAUSED
    return ReferrerStatusValue.ACTIVE


async def _member(info: Info, member_id: int) -> Member:
    return member_types.Member.from_model(
        await loader(info, member_dl.load_members).load(member_id)
    )


@strawberry.type(
    description="A member's referral code, as text and ready to put in a share `scene` or a "
    "WeCom contact-way `state`."
)
class ReferralCode:
    code: str = strawberry.field(
        description="The code: 8 characters without 0/O/1/I/L, or a vanity code."
    )
    vanity: bool = strawberry.field(description="A code staff chose for this member.")
    active: bool = strawberry.field(description="Disabled codes bind no one.")
    created_at: datetime = strawberry.field(description="When the code was made (UTC).")

    @classmethod
    def from_model(cls, c: models.ReferralCode | CodeRow) -> ReferralCode:
        return cls(code=c.code, vanity=c.vanity, active=c.active, created_at=c.created_at)

    @strawberry.field(description="The mini-program share `scene`: `r=<code>` (<= 32 characters).")
    def scene(self) -> str:
        return rules.scene_for(self.code)

    @strawberry.field(
        description="The WeCom contact-way `state`: `koc_r_<code>` (<= 30 characters)."
    )
    def wecom_state(self) -> str:
        return rules.wecom_state_for(self.code)


@strawberry.type(description="One step in the life of a referral.")
class ReferralStep:
    kind: ReferralStepKind = strawberry.field(description="What happened.")  # type: ignore[valid-type]
    at: datetime = strawberry.field(description="When (UTC).")
    note: str = strawberry.field(
        description="Staff note or fraud signals (staff and partners only)."
    )


@strawberry.type(description="An order attributed to a referral.")
class ReferralConversion:
    amount_cents: int = strawberry.field(description="Amount of the order, in cents.")
    currency: str = strawberry.field(description="ISO 4217 code.")
    category: str = strawberry.field(description="Product category of the order.")
    occurred_at: datetime = strawberry.field(description="When the order was paid (UTC).")
    status: ConversionStatus = strawberry.field(description="Whether it still counts.")  # type: ignore[valid-type]
    ordinal: int = strawberry.field(
        description="The referrer's conversion number in the tier period (picks the reward tier)."
    )
    order_id: strawberry.Private[int]

    @strawberry.field(description="The order.")
    async def order(self, info: Info) -> Annotated[Order, strawberry.lazy(ORDER_TYPES)]:
        return order_types.Order.from_model(await loader(info, dl.load_orders).load(self.order_id))


@strawberry.type(description="A referee bound to the referrer who brought them (转介绍).")
class Referral(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="The referral code the referee arrived with.")
    channel: ReferralChannel = strawberry.field(description="How they arrived.")  # type: ignore[valid-type]
    bound_at: datetime = strawberry.field(description="When the binding was made (UTC).")
    expires_at: datetime = strawberry.field(
        description="End of the attribution window: later orders are not attributed."
    )
    milestone: Milestone = strawberry.field(description="How far the referral got.")  # type: ignore[valid-type]
    milestone_at: datetime = strawberry.field(description="When it got there (UTC).")
    review_status: ReviewStatus = strawberry.field(description="Fraud review state.")  # type: ignore[valid-type]
    referrer_id: strawberry.Private[int]
    referee_id: strawberry.Private[int]
    row: strawberry.Private[models.Referral | dl.ReferralRow]

    @classmethod
    def from_model(cls, r: models.Referral | dl.ReferralRow) -> Referral:
        return cls(
            id=r.id,
            code=r.code,
            channel=r.channel,
            bound_at=r.bound_at,
            expires_at=r.expires_at,
            milestone=r.milestone,
            milestone_at=r.milestone_at,
            review_status=r.review_status,
            referrer_id=r.referrer_id,
            referee_id=r.referee_id,
            row=r,
        )

    @strawberry.field(description="The attribution window has passed.")
    def lapsed(self) -> bool:
        return self.expires_at <= datetime.now(UTC)

    @strawberry.field(
        description="The referee's name, masked (e.g. 'L**'): what the referrer sees."
    )
    async def referee_name(self, info: Info) -> str:
        member = await loader(info, member_dl.load_members).load(self.referee_id)
        return rules.mask_name(member.nickname if member else "")

    @strawberry.field(description="The referee (staff and partners with referrals:read).")
    async def referee(self, info: Info) -> Annotated[Member, strawberry.lazy(MEMBER_TYPES)] | None:
        viewer = info.context.viewer
        if reads_referrals(viewer) or viewer_member_id(viewer) == self.referee_id:
            return await _member(info, self.referee_id)
        return None

    @strawberry.field(
        description="The referrer (staff, partners with referrals:read, and the referrer)."
    )
    async def referrer(self, info: Info) -> Annotated[Member, strawberry.lazy(MEMBER_TYPES)] | None:
        viewer = info.context.viewer
        if reads_referrals(viewer) or viewer_member_id(viewer) == self.referrer_id:
            return await _member(info, self.referrer_id)
        return None

    @strawberry.field(description="Why it was flagged (staff and partners; empty for members).")
    def fraud_signals(self, info: Info) -> list[FraudSignal]:  # type: ignore[valid-type]
        if not reads_referrals(info.context.viewer):
            return []
        return [models.FraudSignal(s) for s in self.row.fraud_signals]

    @strawberry.field(description="Device id sent with the binding (staff only).")
    def device_id(self, info: Info) -> str | None:
        return self.row.device_id if is_staff(info.context.viewer) else None

    @strawberry.field(description="Risk rank sent with the binding, 0-4 (staff only).")
    def risk_rank(self, info: Info) -> int | None:
        return self.row.risk_rank if is_staff(info.context.viewer) else None

    @strawberry.field(description="The reviewer's note (staff only).")
    def review_note(self, info: Info) -> str | None:
        return self.row.review_note if is_staff(info.context.viewer) else None

    @strawberry.field(
        description="Steps, oldest first. Members see the milestones of the current binding."
    )
    async def steps(self, info: Info) -> list[ReferralStep]:
        rows = await loader(info, dl.load_steps).load(self.id)
        staff_view = reads_referrals(info.context.viewer)
        if not staff_view:
            visible = {
                models.StepKind.LEAD,
                models.StepKind.TEST_DRIVE,
                models.StepKind.DEPOSIT,
                models.StepKind.CONVERTED,
                models.StepKind.REVERSED,
            }
            rows = [s for s in rows if s.kind in visible and s.at >= self.bound_at]
        return [ReferralStep(kind=s.kind, at=s.at, note=s.note if staff_view else "") for s in rows]

    @strawberry.field(
        description="Orders attributed to it (staff and partners; empty for members)."
    )
    async def conversions(self, info: Info) -> list[ReferralConversion]:
        if not reads_referrals(info.context.viewer):
            return []
        rows = await loader(info, dl.load_conversions).load(self.id)
        return [
            ReferralConversion(
                amount_cents=c.amount_cents,
                currency=c.currency,
                category=c.category,
                occurred_at=c.occurred_at,
                status=c.status,
                ordinal=c.ordinal,
                order_id=c.order_id,
            )
            for c in rows
        ]

    @strawberry.field(description="Rewards it earned; a member sees their own.")
    async def rewards(self, info: Info) -> list[ReferralReward]:
        rows = await loader(info, dl.load_referral_rewards).load(self.id)
        viewer = info.context.viewer
        if not reads_referrals(viewer):
            rows = [r for r in rows if r.member_id == viewer_member_id(viewer)]
        return [ReferralReward.from_model(r) for r in rows]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Referral | None]:
        rows = await loader(info, dl.load_referrals).load_many([int(i) for i in node_ids])
        viewer = info.context.viewer
        me = viewer_member_id(viewer)
        for r in rows:
            if r and not reads_referrals(viewer) and me not in (r.referrer_id, r.referee_id):
                raise forbidden()
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(description="A reward a conversion earned.")
class ReferralReward(relay.Node):
    id: relay.NodeID[int]
    role: RewardRole = strawberry.field(description="Earned as referrer or as referee.")  # type: ignore[valid-type]
    kind: RewardKind = strawberry.field(description="Points or a privilege.")  # type: ignore[valid-type]
    points: int = strawberry.field(description="Points (for POINTS rewards).")
    privilege: str | None = strawberry.field(description="Privilege code (for PRIVILEGE rewards).")
    tier: int = strawberry.field(description="The tier (its first conversion number) that applied.")
    status: RewardStatus = strawberry.field(description="Where the reward stands.")  # type: ignore[valid-type]
    due_at: datetime = strawberry.field(description="End of the hold: issued after this (UTC).")
    issued_at: datetime | None = strawberry.field(description="When it was issued (UTC).")
    note: str = strawberry.field(description="Why it was decided so (staff note, failure).")
    member_id: strawberry.Private[int]
    referral_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, r: models.ReferralReward | dl.RewardRow) -> ReferralReward:
        return cls(
            id=r.id,
            role=r.role,
            kind=r.kind,
            points=r.points,
            privilege=r.privilege or None,
            tier=r.tier,
            status=r.status,
            due_at=r.due_at,
            issued_at=r.issued_at,
            note=r.note,
            member_id=r.member_id,
            referral_id=r.referral_id,
        )

    @strawberry.field(description="Who earns it.")
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(MEMBER_TYPES)]:
        return await _member(info, self.member_id)

    @strawberry.field(description="The referral that earned it.")
    async def referral(self, info: Info) -> Referral:
        return Referral.from_model(await loader(info, dl.load_referrals).load(self.referral_id))

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ReferralReward | None]:
        rows = await loader(info, dl.load_rewards).load_many([int(i) for i in node_ids])
        viewer = info.context.viewer
        if not reads_referrals(viewer) and any(
            r and r.member_id != viewer_member_id(viewer) for r in rows
        ):
            raise forbidden()
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(description="One change of a member's points.")
class PointsEntry(relay.Node):
    id: relay.NodeID[int]
    delta: int = strawberry.field(description="Points added (negative: taken).")
    balance_after: int = strawberry.field(description="The balance after this change.")
    reason: PointsReason = strawberry.field(description="Why.")  # type: ignore[valid-type]
    reference: str = strawberry.field(description="What caused it, e.g. `reward:12`.")
    created_at: datetime = strawberry.field(description="When (UTC).")
    member_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, e: models.PointsEntry | dl.PointsEntryRow) -> PointsEntry:
        return cls(
            id=e.id,
            delta=e.delta,
            balance_after=e.balance_after,
            reason=e.reason,
            reference=e.reference,
            created_at=e.created_at,
            member_id=e.member_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[PointsEntry | None]:
        rows = await loader(info, dl.load_points_entries).load_many([int(i) for i in node_ids])
        viewer = info.context.viewer
        if not reads_referrals(viewer) and any(
            r and r.member_id != viewer_member_id(viewer) for r in rows
        ):
            raise forbidden()
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(description="A call to bind a referee, accepted or refused (staff and partners).")
class ReferralAttempt(relay.Node):
    id: relay.NodeID[int]
    code: str = strawberry.field(description="What the caller sent as the code.")
    channel: ReferralChannel = strawberry.field(description="How they arrived.")  # type: ignore[valid-type]
    refusal: RefusalReason | None = strawberry.field(
        description="Why it was refused; null when accepted."
    )  # type: ignore[valid-type]
    device_id: str | None = strawberry.field(description="Device id sent with it.")
    risk_rank: int | None = strawberry.field(description="Risk rank sent with it.")
    created_at: datetime = strawberry.field(description="When (UTC).")
    referrer_id: strawberry.Private[int | None]
    referee_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, a: models.ReferralAttempt) -> ReferralAttempt:
        return cls(
            id=a.id,
            code=a.code,
            channel=a.channel,
            refusal=a.refusal,
            device_id=a.device_id,
            risk_rank=a.risk_rank,
            created_at=a.created_at,
            referrer_id=a.referrer_id,
            referee_id=a.referee_id,
        )

    @strawberry.field(description="The owner of the code, when the code was known.")
    async def referrer(self, info: Info) -> Annotated[Member, strawberry.lazy(MEMBER_TYPES)] | None:
        return None if self.referrer_id is None else await _member(info, self.referrer_id)

    @strawberry.field(description="Who tried to bind.")
    async def referee(self, info: Info) -> Annotated[Member, strawberry.lazy(MEMBER_TYPES)]:
        return await _member(info, self.referee_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ReferralAttempt | None]:
        if not reads_referrals(info.context.viewer):
            raise forbidden()
        rows = await loader(info, dl.load_attempts).load_many([int(i) for i in node_ids])
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(description="A reward tier: from this conversion number in a period on.")
class RewardTier:
    from_conversion: int = strawberry.field(description="First conversion number of the tier.")
    referrer_points: int = strawberry.field(description="Points to the referrer.")
    referee_points: int = strawberry.field(description="Points to the referee.")
    privilege: str | None = strawberry.field(
        description="Privilege (id or code) granted to the referrer."
    )


@strawberry.type(description="The referral program's rules.")
class ReferralProgram:
    qualifying_orders: QualifyingOrders = strawberry.field(description="Which orders convert.")  # type: ignore[valid-type]
    min_amount_cents: int = strawberry.field(description="Orders below this do not convert.")
    categories: list[str] = strawberry.field(
        description="Only orders of these categories convert; empty means any."
    )
    tier_period: ReferralPeriod = strawberry.field(  # type: ignore[valid-type]
        description="The period in which a referrer's conversions are counted for tiers."
    )
    tiers: list[RewardTier] = strawberry.field(description="Reward tiers, by conversion number.")
    updated_at: datetime = strawberry.field(description="Last change (UTC).")

    @classmethod
    def from_model(cls, p: models.ReferralProgram) -> ReferralProgram:
        return cls(
            qualifying_orders=p.qualifying,
            min_amount_cents=p.min_amount_cents,
            categories=list(p.categories),
            tier_period=p.tier_period,
            tiers=[
                RewardTier(
                    from_conversion=t.from_conversion,
                    referrer_points=t.referrer_points,
                    referee_points=t.referee_points,
                    privilege=t.privilege,
                )
                for t in program_tiers(p)
            ],
            updated_at=p.updated_at,
        )

    @strawberry.field(
        description="Days a binding lasts (KOC_REFERRAL_ATTRIBUTION_WINDOW_DAYS, default 180)."
    )
    def attribution_window_days(self) -> int:
        return get_settings().referral_attribution_window_days

    @strawberry.field(
        description="Days a reward is held before it is issued (KOC_REFERRAL_REWARD_HOLD_DAYS, "
        "default 14)."
    )
    def reward_hold_days(self) -> int:
        return get_settings().referral_reward_hold_days


@strawberry.type(description="Orders and revenue, and the part referrals brought.")
class ReferralReportRow:
    key: str = strawberry.field(
        description="Day (YYYY-MM-DD), week (its Monday), month (YYYY-MM), category, or the "
        "referrer's Member ID."
    )
    orders: int = strawberry.field(description="Orders paid and not fully refunded.")
    referred_orders: int = strawberry.field(description="Of those, attributed to referrals.")
    order_share: float = strawberry.field(description="referredOrders / orders (0-1).")
    revenue_cents: Long = strawberry.field(description="Net revenue (paid minus refunded), cents.")
    referred_revenue_cents: Long = strawberry.field(description="Of that, from referred orders.")
    revenue_share: float = strawberry.field(description="referredRevenueCents / revenueCents.")
    referrer_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, r: reports.ReportRow) -> ReferralReportRow:
        key = r.key
        if r.referrer_id is not None:
            key = str(relay.GlobalID("Member", str(r.referrer_id)))
        return cls(
            key=key,
            orders=r.orders,
            referred_orders=r.referred_orders,
            order_share=r.order_share,
            revenue_cents=r.revenue_cents,
            referred_revenue_cents=r.referred_revenue_cents,
            revenue_share=r.revenue_share,
            referrer_id=r.referrer_id,
        )

    @strawberry.field(description="The referrer (REFERRER rows only).")
    async def referrer(self, info: Info) -> Annotated[Member, strawberry.lazy(MEMBER_TYPES)] | None:
        return None if self.referrer_id is None else await _member(info, self.referrer_id)


@strawberry.type(description="Referrals bound in the range, stage by stage.")
class ReferralFunnel:
    bindings: int = strawberry.field(
        description="Visitors who arrived with a code (refused bindings included)."
    )
    leads: int = strawberry.field(description="Bindings accepted and not rejected in review.")
    test_drives: int = strawberry.field(description="Leads that reached at least a test drive.")
    deposits: int = strawberry.field(description="Leads that reached at least a deposit.")
    orders: int = strawberry.field(description="Leads with an attributed order still standing.")


@strawberry.type(description="The referral share of orders and revenue over a time range.")
class ReferralReport:
    start: datetime = strawberry.field(name="from", description="Start (inclusive, UTC).")
    end: datetime = strawberry.field(name="to", description="End (exclusive, UTC).")
    group_by: ReferralGroupBy = strawberry.field(description="How rows are split.")  # type: ignore[valid-type]
    currency: str = strawberry.field(description="Only orders in this currency count.")
    totals: ReferralReportRow = strawberry.field(description="The whole range.")
    rows: list[ReferralReportRow] = strawberry.field(description="One row per key, in key order.")
    funnel: ReferralFunnel = strawberry.field(description="The funnel of referrals bound in range.")

    @classmethod
    def from_report(cls, r: reports.Report) -> ReferralReport:
        return cls(
            start=r.start,
            end=r.end,
            group_by=r.group_by,
            currency=r.currency,
            totals=ReferralReportRow.from_row(r.totals),
            rows=[ReferralReportRow.from_row(row) for row in r.rows],
            funnel=ReferralFunnel(
                bindings=r.funnel.bindings,
                leads=r.funnel.leads,
                test_drives=r.funnel.test_drives,
                deposits=r.funnel.deposits,
                orders=r.funnel.orders,
            ),
        )


@strawberry.type(description="A referrer's place on the leaderboard.")
class ReferralLeaderboardEntry:
    rank: int = strawberry.field(description="1 for the top referrer.")
    conversions: int = strawberry.field(description="Conversions still standing in the period.")
    referred_revenue_cents: Long = strawberry.field(description="Net revenue of those orders.")
    referrer_id: strawberry.Private[int]

    @strawberry.field(description="The referrer.")
    async def referrer(self, info: Info) -> Annotated[Member, strawberry.lazy(MEMBER_TYPES)]:
        return await _member(info, self.referrer_id)


@strawberry.type(description="A member in a referral tree.")
class ReferralTreeNode:
    depth: int = strawberry.field(description="0 for the root, 1 for whom it brought, ...")
    milestone: Milestone | None = strawberry.field(  # type: ignore[valid-type]
        description="The milestone of this member's referral (null for the root)."
    )
    revenue_cents: Long = strawberry.field(description="This member's own net revenue.")
    brought_revenue_cents: Long = strawberry.field(
        description="Net revenue of everyone below this member in the tree."
    )
    member_id: strawberry.Private[int]
    parent_member_id: strawberry.Private[int | None]

    @strawberry.field(description="The member.")
    async def member(self, info: Info) -> Annotated[Member, strawberry.lazy(MEMBER_TYPES)]:
        return await _member(info, self.member_id)

    @strawberry.field(description="Global ID of the member who brought this one (null: root).")
    def parent_id(self) -> relay.GlobalID | None:
        if self.parent_member_id is None:
            return None
        return relay.GlobalID("Member", str(self.parent_member_id))


@strawberry.type(description="Who brought whom, from one member down.")
class ReferralTree:
    nodes: list[ReferralTreeNode] = strawberry.field(
        description="The root first, then level by level."
    )
    truncated: bool = strawberry.field(description="True when the tree was cut at 500 nodes.")

    @classmethod
    def from_tree(cls, t: reports.Tree) -> ReferralTree:
        return cls(
            nodes=[
                ReferralTreeNode(
                    depth=n.depth,
                    milestone=n.milestone,
                    revenue_cents=n.revenue_cents,
                    brought_revenue_cents=n.brought_revenue_cents,
                    member_id=n.member_id,
                    parent_member_id=n.parent_id,
                )
                for n in t.nodes
            ],
            truncated=t.truncated,
        )
