"""GraphQL types of KOC profiles, candidates, applications, campaigns and scoring weights.

Over 500 lines on purpose: one small GraphQL type per concept of the feature (22 of them),
each beside the types it points at; split by concept, the feature's API would be read across
as many files."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay

from koc.auth.viewer import MemberViewer, can_read_member, is_staff
from koc.creators import models, rules, scoring
from koc.creators.errors import KocCampaignErrorCode, KocErrorCode
from koc.creators.graphql import dataloaders as dl
from koc.creators.signals import SCORE_COLUMNS
from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.graphql.errors import error_type
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.members.graphql import dataloaders as member_dl
from koc.members.graphql import types as member_types
from koc.segments.graphql.types import Audience, rule_json

if TYPE_CHECKING:
    from koc.members.graphql.types import LifecycleStage, Member, Tag

MEMBER_TYPES = "koc.members.graphql.types"
LazyMember = Annotated["Member", strawberry.lazy(MEMBER_TYPES)]
LazyStage = Annotated["LifecycleStage", strawberry.lazy(MEMBER_TYPES)]
LazyTag = Annotated["Tag", strawberry.lazy(MEMBER_TYPES)]

KocRole = enum_type(
    models.KocRole,
    "The typed roles of a KOC (2.0); a KOC may hold several.",
    CONTENT="内容达人, content creator: posts, videos, reviews.",
    EXPERIENCE="体验达人, experience sharer: shares usage experience, hosts test drives and live "
    "sessions.",
    CO_CREATION="共创达人, co-creator: joins product co-creation and gives structured feedback.",
)
KocStatus = enum_type(
    models.KocStatus,
    "Where a KOC is: CANDIDATE -> ACTIVE -> PAUSED or RETIRED; PAUSED or RETIRED -> ACTIVE.",
    CANDIDATE="Applied or nominated, not approved yet.",
    ACTIVE="An approved KOC, holding the identity and at least one role.",
    PAUSED="Holds the identity but is paused (no new roles, may not refer while paused).",
    RETIRED="No longer a KOC (the KOC tag is taken off); may be made ACTIVE again.",
)
KocApplicationKind = enum_type(
    models.ApplicationKind,
    "Who started an application.",
    name="KocApplicationKind",
    APPLICATION="The member applied.",
    NOMINATION="Staff nominated the member.",
)
KocApplicationStatus = enum_type(
    models.ApplicationStatus,
    "Where an application stands in the review queue.",
    name="KocApplicationStatus",
    PENDING="Waiting for a review.",
    APPROVED="Approved: the member became an active KOC.",
    REJECTED="Rejected, with a reason the member sees; they may apply again after a cooldown.",
)

SIGNAL_DESCRIPTIONS: dict[scoring.Signal, str] = {
    scoring.Signal.ORDERS: "Orders paid and not fully refunded (count).",
    scoring.Signal.SPEND: "Amount paid net of refunds (cents).",
    scoring.Signal.TENURE: "Days since the first order.",
    scoring.Signal.REFERRALS: "Referrals that converted into an order (count).",
    scoring.Signal.CONTENT_POSTS: "CONTENT_POSTED member events (count).",
    scoring.Signal.EVENTS_ATTENDED: "EVENT_ATTENDED member events (count).",
    scoring.Signal.TEST_DRIVES_HOSTED: 'TEST_DRIVE events with payload {"hosted": true} (count).',
    scoring.Signal.SURVEY_ANSWERS: "Surveys answered (count).",
    scoring.Signal.CAMPAIGN_SIGNUPS: "Recruitment campaigns joined (count).",
    scoring.Signal.CAMPAIGN_SUBMISSIONS: "Campaign submissions (count).",
    scoring.Signal.STAFF_RATING: "Average staff rating of campaign submissions (1-5); "
    "saturation is the number of ratings for full confidence.",
    scoring.Signal.RECENCY: "Days since the last activity; saturation is the half-life in days.",
    scoring.Signal.REFUNDS: "Refunds (count), a negative signal.",
    scoring.Signal.COMPLAINTS: "COMPLAINT member events (count), a negative signal.",
}
KocScoringSignal = enum_type(
    scoring.Signal,
    "A discovery signal that feeds the candidate score.",
    name="KocScoringSignal",
    **{signal.name: text for signal, text in SIGNAL_DESCRIPTIONS.items()},
)


class KocCampaignStatus(StrEnum):
    UPCOMING = "UPCOMING"
    OPEN = "OPEN"
    ENDED = "ENDED"


enum_type(
    KocCampaignStatus,
    "Where a campaign is in its time window.",
    UPCOMING="Not started yet.",
    OPEN="Running: members may join and submit.",
    ENDED="Past its end.",
)

KocError = error_type("KocError", KocErrorCode, "A problem with a KOC change or application.")
KocCampaignError = error_type(
    "KocCampaignError", KocCampaignErrorCode, "A problem with a recruitment campaign."
)


async def _member(info: Info, member_id: int) -> Member:
    return member_types.Member.from_model(
        await loader(info, member_dl.load_members).load(member_id)
    )


# --- scores -------------------------------------------------------------------------------------


@strawberry.type(
    description="One signal's part in a score: the reason a candidate ranks where it does."
)
class KocScoreContribution:
    signal: KocScoringSignal = strawberry.field(description="The signal.")  # type: ignore[valid-type]
    value: float | None = strawberry.field(
        description="Its raw value (count, cents, days or average), null when nothing is known."
    )
    normalized: float = strawberry.field(description="The value scaled to 0-1.")
    weight: float = strawberry.field(description="Points the signal gives at saturation.")
    affinity: float = strawberry.field(description="Multiplier of the signal for the role.")
    points: float = strawberry.field(description="Contribution: weight x normalized x affinity.")


@strawberry.type(description="A candidate's score overall and for each role.")
class KocScores:
    overall: float = strawberry.field(description="Score with every affinity 1.")
    content: float = strawberry.field(description="Score for the CONTENT role.")
    experience: float = strawberry.field(description="Score for the EXPERIENCE role.")
    co_creation: float = strawberry.field(description="Score for the CO_CREATION role.")


@strawberry.type(
    description="A member as a KOC candidate: scores and the signals behind them (staff only)."
)
class KocCandidate(relay.Node):
    id: relay.NodeID[int]
    scored_at: datetime | None = strawberry.field(
        description="When the stored scores were computed (recency is as of this moment)."
    )
    row: strawberry.Private[models.MemberSignals]
    role: strawberry.Private[models.KocRole | None]

    @classmethod
    def from_model(
        cls, row: models.MemberSignals, role: models.KocRole | None = None
    ) -> KocCandidate:
        return cls(id=row.member_id, scored_at=row.scored_at, row=row, role=role)

    @strawberry.field(description="The member.")
    async def member(self, info: Info) -> LazyMember:
        return await _member(info, self.id)

    @strawberry.field(description="The score the list ranks by (the role asked for, or overall).")
    def score(self) -> float:
        return getattr(self.row, SCORE_COLUMNS[self.role])

    @strawberry.field(description="Scores overall and per role.")
    def scores(self) -> KocScores:
        r = self.row
        return KocScores(
            overall=r.score_overall,
            content=r.score_content,
            experience=r.score_experience,
            co_creation=r.score_co_creation,
        )

    @strawberry.field(
        description="Every signal's value and contribution to the score of `role` (default: the "
        "role the list was asked for, else overall), as of scoredAt."
    )
    async def breakdown(
        self,
        info: Info,
        role: Annotated[
            KocRole | None,  # type: ignore[valid-type]
            strawberry.argument(description="The role; null for the overall score."),
        ] = strawberry.UNSET,
    ) -> list[KocScoreContribution]:
        weights = await loader(info, dl.load_weights).load("weights")
        chosen = self.role if role is strawberry.UNSET else role
        at = self.row.scored_at or datetime.now(UTC)
        return [
            KocScoreContribution(
                signal=c.signal,
                value=c.value,
                normalized=c.normalized,
                weight=c.weight,
                affinity=c.affinity,
                points=c.points,
            )
            for c in scoring.breakdown(scoring.Signals.of(self.row), weights, at, chosen)
        ]

    @strawberry.field(description="The member's KOC status, null when never considered.")
    async def koc_status(self, info: Info) -> KocStatus | None:  # type: ignore[valid-type]
        profile = await loader(info, dl.load_profiles).load(self.id)
        return profile.status if profile else None

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[KocCandidate | None]:
        if not is_staff(info.context.viewer):
            raise forbidden()
        ids = [int(i) for i in node_ids]
        rows = await loader(info, dl.load_signals).load_many(ids)
        return [cls.from_model(r) if r else None for r in rows]


async def candidate_of(info: Info, member_id: int) -> KocCandidate:
    """The member's candidate view; a member with no signal yet scores 0 everywhere."""
    row = await loader(info, dl.load_signals).load(member_id)
    return KocCandidate.from_model(row or models.MemberSignals(member_id=member_id))


# --- profiles -------------------------------------------------------------------------------------


@strawberry.type(description="The KOC certificate (identity symbol) issued on first activation.")
class KocCertificate:
    number: str = strawberry.field(description="Unique number, e.g. KOC-2026-000123.")
    issued_at: datetime = strawberry.field(description="When it was issued (UTC).")


@strawberry.type(description="A change of a KOC's status or roles: who, why and when.")
class KocStatusChange:
    from_status: KocStatus | None = strawberry.field(description="Status before (null: new).")  # type: ignore[valid-type]
    to_status: KocStatus = strawberry.field(description="Status after.")  # type: ignore[valid-type]
    roles: list[KocRole] = strawberry.field(description="Roles held after the change.")  # type: ignore[valid-type]
    reason: str = strawberry.field(description="Why.")
    at: datetime = strawberry.field(description="When (UTC).")
    staff_id: strawberry.Private[int | None]

    @strawberry.field(description="Username of the staff member, null for the member or a rule.")
    async def by(self, info: Info) -> str | None:
        if self.staff_id is None:
            return None
        return await loader(info, member_dl.load_staff_names).load(self.staff_id)


@strawberry.type(description="A member's KOC identity: status, typed roles and certificate.")
class KocProfile(relay.Node):
    id: relay.NodeID[int]
    status: KocStatus = strawberry.field(description="Current status.")  # type: ignore[valid-type]
    status_changed_at: datetime = strawberry.field(description="When the status last changed.")
    activated_at: datetime | None = strawberry.field(description="First activation (UTC).")
    certificate: KocCertificate | None = strawberry.field(
        description="The certificate, issued on first activation."
    )
    member_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, p: models.KocProfile | dl.ProfileRow) -> KocProfile:
        certificate = (
            KocCertificate(number=p.certificate_number, issued_at=p.certificate_issued_at)
            if p.certificate_number and p.certificate_issued_at
            else None
        )
        return cls(
            id=p.id,
            status=p.status,
            status_changed_at=p.status_changed_at,
            activated_at=p.activated_at,
            certificate=certificate,
            member_id=p.member_id,
        )

    @strawberry.field(description="The member.")
    async def member(self, info: Info) -> LazyMember:
        return await _member(info, self.member_id)

    @strawberry.field(description="Typed roles held.")
    async def roles(self, info: Info) -> list[KocRole]:  # type: ignore[valid-type]
        return await loader(info, dl.load_roles).load(self.member_id)

    @strawberry.field(description="Every status and roles change, oldest first (staff only).")
    async def history(self, info: Info) -> list[KocStatusChange]:
        if not is_staff(info.context.viewer):
            raise forbidden()
        rows = await loader(info, dl.load_changes).load(self.member_id)
        return [
            KocStatusChange(
                from_status=c.from_status,
                to_status=c.to_status,
                roles=[models.KocRole(r) for r in c.roles],
                reason=c.reason,
                at=c.created_at,
                staff_id=c.staff_id,
            )
            for c in rows
        ]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[KocProfile | None]:
        rows = await loader(info, dl.load_profiles_by_id).load_many([int(i) for i in node_ids])
        if any(r and not can_read_member(info.context.viewer, r.member_id) for r in rows):
            raise forbidden()
        return [cls.from_model(r) if r else None for r in rows]


# --- applications ---------------------------------------------------------------------------------


@strawberry.type(
    description="A member's application to become a KOC, or a staff nomination, in the review "
    "queue. Members see only their own."
)
class KocApplication(relay.Node):
    id: relay.NodeID[int]
    kind: KocApplicationKind = strawberry.field(description="Application or nomination.")  # type: ignore[valid-type]
    status: KocApplicationStatus = strawberry.field(description="Review status.")  # type: ignore[valid-type]
    roles_wanted: list[KocRole] = strawberry.field(description="Roles applied or nominated for.")  # type: ignore[valid-type]
    links: list[str] = strawberry.field(description="Links to the member's content.")
    roles_granted: list[KocRole] = strawberry.field(description="Roles granted on approval.")  # type: ignore[valid-type]
    rejection_reason: str = strawberry.field(
        description="Why it was rejected (the member sees it)."
    )
    reviewed_at: datetime | None = strawberry.field(description="When it was reviewed (UTC).")
    created_at: datetime = strawberry.field(description="When it was filed (UTC).")
    member_id: strawberry.Private[int]
    statement_text: strawberry.Private[str]
    nominated_by_id: strawberry.Private[int | None]
    reviewed_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, a: models.KocApplication) -> KocApplication:
        return cls(
            id=a.id,
            kind=a.kind,
            status=a.status,
            roles_wanted=[models.KocRole(r) for r in a.roles_wanted],
            links=list(a.links),
            roles_granted=[models.KocRole(r) for r in a.roles_granted],
            rejection_reason=a.rejection_reason,
            reviewed_at=a.reviewed_at,
            created_at=a.created_at,
            member_id=a.member_id,
            statement_text=a.statement,
            nominated_by_id=a.nominated_by_id,
            reviewed_by_id=a.reviewed_by_id,
        )

    @strawberry.field(
        description="The member's statement; for a nomination, the staff note (staff only)."
    )
    def statement(self, info: Info) -> str:
        if self.kind is models.ApplicationKind.NOMINATION and not is_staff(info.context.viewer):
            return ""
        return self.statement_text

    @strawberry.field(description="The member.")
    async def member(self, info: Info) -> LazyMember:
        return await _member(info, self.member_id)

    @strawberry.field(description="Who nominated the member (staff username; staff only).")
    async def nominated_by(self, info: Info) -> str | None:
        if self.nominated_by_id is None or not is_staff(info.context.viewer):
            return None
        return await loader(info, member_dl.load_staff_names).load(self.nominated_by_id)

    @strawberry.field(description="Who reviewed it (staff username; staff only).")
    async def reviewed_by(self, info: Info) -> str | None:
        if self.reviewed_by_id is None or not is_staff(info.context.viewer):
            return None
        return await loader(info, member_dl.load_staff_names).load(self.reviewed_by_id)

    @strawberry.field(
        description="After a rejection, when the member may apply again (null otherwise)."
    )
    def can_reapply_at(self, info: Info) -> datetime | None:
        if self.status is not models.ApplicationStatus.REJECTED or self.reviewed_at is None:
            return None
        return rules.reapply_at(self.reviewed_at, info.context.settings.koc_reapply_cooldown_days)

    @strawberry.field(description="The candidate's current scores and breakdown (staff only).")
    async def candidate(self, info: Info) -> KocCandidate:
        if not is_staff(info.context.viewer):
            raise forbidden()
        return await candidate_of(info, self.member_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[KocApplication | None]:
        rows = await loader(info, dl.load_applications).load_many([int(i) for i in node_ids])
        if any(r and not can_read_member(info.context.viewer, r.member_id) for r in rows):
            raise forbidden()
        return [cls.from_model(r) if r else None for r in rows]


# --- campaigns ------------------------------------------------------------------------------------


@strawberry.type(description="Work a participant submitted to a campaign, and its rating.")
class KocSubmission(relay.Node):
    id: relay.NodeID[int]
    text: str = strawberry.field(description="The text.")
    links: list[str] = strawberry.field(description="Links to the work.")
    media_urls: list[str] = strawberry.field(description="Media (image, video) URLs.")
    rating: int | None = strawberry.field(description="Staff rating 1-5, null until reviewed.")
    review_comment: str = strawberry.field(description="Staff comment with the rating.")
    reviewed_at: datetime | None = strawberry.field(description="When it was rated (UTC).")
    created_at: datetime = strawberry.field(description="When it was submitted (UTC).")
    campaign_id: strawberry.Private[int]
    member_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, s: models.CampaignSubmission) -> KocSubmission:
        return cls(
            id=s.id,
            text=s.text,
            links=list(s.links),
            media_urls=list(s.media_urls),
            rating=s.rating,
            review_comment=s.review_comment,
            reviewed_at=s.reviewed_at,
            created_at=s.created_at,
            campaign_id=s.campaign_id,
            member_id=s.member_id,
        )

    @strawberry.field(description="The campaign.")
    async def campaign(self, info: Info) -> KocCampaign:
        return KocCampaign.from_model(await loader(info, dl.load_campaigns).load(self.campaign_id))

    @strawberry.field(description="Who submitted it.")
    async def member(self, info: Info) -> LazyMember:
        return await _member(info, self.member_id)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[KocSubmission | None]:
        rows = await loader(info, dl.load_submissions).load_many([int(i) for i in node_ids])
        if any(r and not can_read_member(info.context.viewer, r.member_id) for r in rows):
            raise forbidden()
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(
    description="Who a campaign is open to: members its rule or saved segment holds (neither: "
    "every member) who reach minScore for its role. The rule and the segment are shown to staff "
    "only (null for others)."
)
class KocCampaignAudience(Audience):
    min_score: float | None = strawberry.field(
        description="Minimum candidate score for the campaign's role."
    )


@strawberry.type(description="A recruitment campaign for one KOC role, e.g. a content challenge.")
class KocCampaign(relay.Node):
    id: relay.NodeID[int]
    title: str = strawberry.field(description="Title.")
    brief: str = strawberry.field(description="What participants are asked to do.")
    role: KocRole = strawberry.field(description="The role the campaign recruits for.")  # type: ignore[valid-type]
    starts_at: datetime = strawberry.field(description="Sign-up and submissions open (UTC).")
    ends_at: datetime = strawberry.field(description="Sign-up and submissions close (UTC).")
    capacity: int | None = strawberry.field(description="Most participants, null: unlimited.")
    participant_count: int = strawberry.field(description="Members signed up.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")
    min_score: strawberry.Private[float | None]
    audience_rule: strawberry.Private[dict[str, Any] | None]
    audience_segment_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, c: models.KocCampaign) -> KocCampaign:
        return cls(
            id=c.id,
            title=c.title,
            brief=c.brief,
            role=c.role,
            starts_at=c.starts_at,
            ends_at=c.ends_at,
            capacity=c.capacity,
            participant_count=c.participant_count,
            created_at=c.created_at,
            min_score=c.min_score,
            audience_rule=c.audience_rule,
            audience_segment_id=c.audience_segment_id,
        )

    @strawberry.field(description="UPCOMING, OPEN or ENDED, from the time window.")
    def status(self) -> KocCampaignStatus:
        now = datetime.now(UTC)
        if now < self.starts_at:
            return KocCampaignStatus.UPCOMING
        return KocCampaignStatus.OPEN if now < self.ends_at else KocCampaignStatus.ENDED

    @strawberry.field(description="Places left, null when unlimited.")
    def spots_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.participant_count)

    @strawberry.field(description="Who the campaign is open to.")
    def audience(self, info: Info) -> KocCampaignAudience:
        staff = is_staff(info.context.viewer)
        return KocCampaignAudience(
            min_score=self.min_score,
            rule=rule_json(self.audience_rule) if staff and self.audience_rule else None,
            segment_id=self.audience_segment_id if staff else None,
        )

    @strawberry.field(description="For a signed-in member: whether they joined.")
    async def joined(self, info: Info) -> bool:
        viewer = info.context.viewer
        if not isinstance(viewer, MemberViewer):
            return False
        key = (self.id, viewer.member_id)
        return await loader(info, dl.load_participant).load(key) is not None

    @strawberry.field(description="For a signed-in member: their submissions, oldest first.")
    async def my_submissions(self, info: Info) -> list[KocSubmission]:
        viewer = info.context.viewer
        if not isinstance(viewer, MemberViewer):
            return []
        rows = await loader(info, dl.load_member_submissions).load((self.id, viewer.member_id))
        return [KocSubmission.from_model(s) for s in rows]

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[KocCampaign | None]:
        viewer = info.context.viewer
        if not (is_staff(viewer) or isinstance(viewer, MemberViewer)):
            raise forbidden()
        rows = await loader(info, dl.load_campaigns).load_many([int(i) for i in node_ids])
        return [cls.from_model(r) if r else None for r in rows]


@strawberry.type(description="A campaign a member joined, with their submissions.")
class KocCampaignParticipation:
    joined_at: datetime = strawberry.field(description="When they signed up (UTC).")
    campaign_id: strawberry.Private[int]
    member_id: strawberry.Private[int]

    @strawberry.field(description="The campaign.")
    async def campaign(self, info: Info) -> KocCampaign:
        return KocCampaign.from_model(await loader(info, dl.load_campaigns).load(self.campaign_id))

    @strawberry.field(description="Their submissions to it, oldest first.")
    async def submissions(self, info: Info) -> list[KocSubmission]:
        rows = await loader(info, dl.load_member_submissions).load(
            (self.campaign_id, self.member_id)
        )
        return [KocSubmission.from_model(s) for s in rows]


# --- weights --------------------------------------------------------------------------------------


@strawberry.type(description="How much a signal counts for each role (multipliers, 0-10).")
class KocRoleAffinity:
    content: float = strawberry.field(description="For CONTENT.")
    experience: float = strawberry.field(description="For EXPERIENCE.")
    co_creation: float = strawberry.field(description="For CO_CREATION.")


@strawberry.type(description="The weight of one discovery signal.")
class KocSignalWeight:
    signal: KocScoringSignal = strawberry.field(description="The signal.")  # type: ignore[valid-type]
    description: str = strawberry.field(description="What the signal's value is.")
    weight: float = strawberry.field(
        description="Points at saturation (negative for refunds and complaints)."
    )
    saturation: float = strawberry.field(
        description="Raw value at which the signal saturates (half-life in days for RECENCY)."
    )
    affinity: KocRoleAffinity = strawberry.field(description="Multipliers per role.")
    default_weight: float = strawberry.field(description="The documented default weight.")


@strawberry.type(description="The brand's discovery scoring weights.")
class KocScoringWeights:
    signals: list[KocSignalWeight] = strawberry.field(description="One entry per signal.")

    @classmethod
    def of(cls, weights: dict[scoring.Signal, scoring.SignalWeight]) -> KocScoringWeights:
        return cls(
            signals=[
                KocSignalWeight(
                    signal=s,
                    description=SIGNAL_DESCRIPTIONS[s],
                    weight=w.weight,
                    saturation=w.saturation,
                    affinity=KocRoleAffinity(
                        content=w.affinity[models.KocRole.CONTENT],
                        experience=w.affinity[models.KocRole.EXPERIENCE],
                        co_creation=w.affinity[models.KocRole.CO_CREATION],
                    ),
                    default_weight=scoring.DEFAULT_WEIGHTS[s].weight,
                )
                for s, w in weights.items()
            ]
        )
