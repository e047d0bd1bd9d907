"""About 615 lines on purpose: every typed event koc publishes, in one list a reader scans.

Every event koc publishes, one frozen dataclass each, with what its handlers need.

Events carry the rows the publisher already holds (the order, the member) so handlers in the
same transaction read them without another statement; a batch of orders stays a few statements
per handler. The rows are typed by the protocols below rather than by the feature models: this
package sits below every feature in the import graph (each of them publishes), so it names none.

A public event (``type`` set) is one partners may see; the others stay inside the process. A
public event's ``data()`` is what the outbox stores and partners read: ids (relay global ids,
as the API shows them) and facts, never a personal field. A member appears as
``{"$member": id}``; the feed and webhooks replace it with the member's global id and, when
the reader may see them, their phone and unionid (koc.webhooks.render).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from koc.events.bus import Event


class EventType(StrEnum):
    """The type of a public event, as partners see it (the payload's ``type``). Stable: a type
    is never renamed, only added."""

    ORDER_RECORDED = "order.recorded"
    ORDER_REFUNDED = "order.refunded"
    MEMBER_EVENT_RECORDED = "member_event.recorded"
    MEMBER_STAGE_CHANGED = "member.stage_changed"
    MEMBER_ERASED = "member.erased"
    LIVE_CODE_TARGETS_LOW = "live_code.targets_low"
    LIVE_CODE_TARGET_EXPIRING = "live_code.target_expiring"
    KOC_STATUS_CHANGED = "koc.status_changed"
    REFERRAL_CONVERTED = "referral.converted"
    REFERRAL_REVERSED = "referral.reversed"
    SURVEY_RESPONDED = "survey.responded"
    FOLLOW_UP_DUE = "followup.due"
    REWARD_ISSUED = "reward.issued"
    REWARD_CLAWED_BACK = "reward.clawed_back"
    BADGE_AWARDED = "badge.awarded"
    PRIVILEGE_GRANTED = "privilege.granted"
    PRIVILEGE_REDEEMED = "privilege.redeemed"


def gid(type_name: str, id: int) -> str:
    """The relay global id the API gives the object (strawberry's ``to_base64``)."""
    return base64.b64encode(f"{type_name}:{id}".encode()).decode()


def member_ref(member_id: int) -> dict[str, int]:
    """A member named in an event's data, filled in when a reader reads it."""
    return {"$member": member_id}


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _order(order: OrderRow) -> dict[str, Any]:
    return {
        "id": gid("Order", order.id),
        "externalId": order.external_id,
        "amountCents": order.amount_cents,
        "refundedCents": order.refunded_cents,
        "currency": order.currency,
        "category": order.category,
        "status": str(order.status),
        "occurredAt": _time(order.occurred_at),
    }


class MemberRow(Protocol):
    """A member as stored (``koc.members.models.Member``)."""

    id: int
    stage_id: int | None


class OrderRow(Protocol):
    """An order as stored (``koc.orders.models.Order``)."""

    id: int
    member_id: int
    external_id: str
    amount_cents: int
    refunded_cents: int
    currency: str
    category: str
    occurred_at: datetime
    status: str


class RewardRow(Protocol):
    """A referral reward as stored (``koc.referrals.models.ReferralReward``)."""

    id: int
    referral_id: int
    member_id: int
    role: str
    kind: str
    points: int
    privilege: str
    tier: int


class RefundRow(Protocol):
    """A refund as stored (``koc.orders.models.Refund``)."""

    id: int
    order_id: int
    amount_cents: int


class GrantRow(Protocol):
    """A member's grant of a privilege (``koc.privileges.models.PrivilegeGrant``)."""

    id: int
    member_id: int
    privilege_id: int
    source: str
    granted_at: datetime
    expires_at: datetime | None


class RedemptionRow(Protocol):
    """One use of a privilege (``koc.privileges.models.PrivilegeRedemption``)."""

    id: int
    grant_id: int
    member_id: int
    privilege_id: int
    channel: str
    via: str
    created_at: datetime


class MemberEventRow(Protocol):
    """Something a member did, as a partner reported it (``koc.orders.models.MemberEvent``)."""

    id: int
    member_id: int
    kind: str
    occurred_at: datetime
    payload: Any


# --- orders and member events (published by koc.orders) ----------------------------------


@dataclass(frozen=True, slots=True)
class OrderRecorded(Event):
    """A paid order was recorded (not a replay). ``context`` is the extra input that came with
    it, such as a referral code given at the counter."""

    type: ClassVar[str | None] = EventType.ORDER_RECORDED
    order: OrderRow
    member: MemberRow
    context: Mapping[str, Any] = field(default_factory=dict)

    def data(self) -> dict[str, Any]:
        return {"order": _order(self.order), "member": member_ref(self.member.id)}


@dataclass(frozen=True, slots=True)
class OrderRefunded(Event):
    """An order was refunded, in part or in full (``order.status`` says which)."""

    type: ClassVar[str | None] = EventType.ORDER_REFUNDED
    order: OrderRow
    refund: RefundRow
    member: MemberRow

    def data(self) -> dict[str, Any]:
        return {
            "order": _order(self.order),
            "refund": {
                "id": gid("Refund", self.refund.id),
                "amountCents": self.refund.amount_cents,
            },
            "member": member_ref(self.member.id),
        }


@dataclass(frozen=True, slots=True)
class MemberEventRecorded(Event):
    """A partner reported something a member did (a test drive, an event attended, ...)."""

    type: ClassVar[str | None] = EventType.MEMBER_EVENT_RECORDED
    member_event: MemberEventRow
    member: MemberRow

    def data(self) -> dict[str, Any]:
        event = self.member_event
        return {
            "memberEvent": {
                "id": gid("MemberEvent", event.id),
                "kind": str(event.kind),
                "occurredAt": _time(event.occurred_at),
            },
            "member": member_ref(self.member.id),
        }


# --- members (published by koc.members and koc.auth) -------------------------------------


@dataclass(frozen=True, slots=True)
class MemberLoggedIn(Event):
    """A member signed in through WeChat; ``created`` when this sign-in created them."""

    member: MemberRow
    created: bool
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class MemberMerged(Event):
    """A prospect turned out to be an existing member (same phone): handlers move their
    per-member rows from ``prospect.id`` to ``member.id`` before the prospect is deleted."""

    prospect: MemberRow
    member: MemberRow


@dataclass(frozen=True, slots=True)
class MemberStageChanged(Event):
    """The member moved to another lifecycle stage (``member.stage_id``), by staff or a rule."""

    type: ClassVar[str | None] = EventType.MEMBER_STAGE_CHANGED
    member: MemberRow

    def data(self) -> dict[str, Any]:
        stage = self.member.stage_id
        return {
            "member": member_ref(self.member.id),
            "stage": {"id": gid("LifecycleStage", stage)} if stage is not None else None,
        }


@dataclass(frozen=True, slots=True)
class MembersChanged(Event):
    """Something about these members changed (the subclass says what). Handlers subscribe to
    the subclass: the bus matches an event's exact class, never this base."""

    member_ids: Sequence[int]


@dataclass(frozen=True, slots=True)
class MemberTagsChanged(MembersChanged):
    """Staff or a rule added or removed tags of these members."""


@dataclass(frozen=True, slots=True)
class MemberBadgesChanged(MembersChanged):
    """Badges were awarded to or revoked from these members."""


@dataclass(frozen=True, slots=True)
class ConsentChanged(Event):
    """What features may do with the member's data for ``purpose`` (a ``Purpose``) changed."""

    member_id: int
    purpose: str
    granted: bool


# --- KOCs (published by koc.creators) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class KocStatusChanged(Event):
    """A member's KOC profile changed status or roles (``status`` and ``roles`` are the new
    ones, as their enum values)."""

    type: ClassVar[str | None] = EventType.KOC_STATUS_CHANGED
    member: MemberRow
    status: str
    roles: Sequence[str]

    def data(self) -> dict[str, Any]:
        return {
            "member": member_ref(self.member.id),
            "status": str(self.status),
            "roles": [str(r) for r in self.roles],
        }


@dataclass(frozen=True, slots=True)
class KocApplicationReviewed(Event):
    """Staff approved or rejected a KOC application (its status says which)."""

    application_id: int


@dataclass(frozen=True, slots=True)
class CampaignSubmissionReviewed(Event):
    """Staff rated a campaign submission; ``approved`` when the rating counts as good."""

    member_id: int
    submission_id: int
    rating: int | None
    approved: bool


# --- privileges (published by koc.privileges) ---------------------------------------------


def _privilege(privilege_id: int, code: str) -> dict[str, Any]:
    return {"id": gid("Privilege", privilege_id), "code": code}


@dataclass(frozen=True, slots=True)
class PrivilegeGranted(Event):
    """A member was granted a privilege: by staff, as a referral reward, or by its eligibility
    rules (a new grant, or one the rules give back). The grant is active from now."""

    type: ClassVar[str | None] = EventType.PRIVILEGE_GRANTED
    grant: GrantRow
    privilege_code: str

    def data(self) -> dict[str, Any]:
        g = self.grant
        return {
            "privilege": _privilege(g.privilege_id, self.privilege_code),
            "grant": {
                "id": gid("PrivilegeGrant", g.id),
                "source": str(g.source),
                "grantedAt": _time(g.granted_at),
                "expiresAt": _time(g.expires_at) if g.expires_at else None,
            },
            "member": member_ref(g.member_id),
        }


@dataclass(frozen=True, slots=True)
class PrivilegeRedeemed(Event):
    """A member used a privilege once (online, or at a store counter; for an event or a ticket:
    checked in). A replayed redemption (same idempotency key) is not a new use."""

    type: ClassVar[str | None] = EventType.PRIVILEGE_REDEEMED
    redemption: RedemptionRow
    privilege_code: str

    def data(self) -> dict[str, Any]:
        r = self.redemption
        return {
            "privilege": _privilege(r.privilege_id, self.privilege_code),
            "redemption": {
                "id": gid("PrivilegeRedemption", r.id),
                "grant": {"id": gid("PrivilegeGrant", r.grant_id)},
                "channel": str(r.channel),
                "via": str(r.via),
                "redeemedAt": _time(r.created_at),
            },
            "member": member_ref(r.member_id),
        }


# --- referrals (published by koc.referrals) -----------------------------------------------


@dataclass(frozen=True, slots=True)
class ReferralRewardsChanged(Event):
    """Referral rewards were issued or clawed back (their status says which)."""

    reward_ids: Sequence[int]


@dataclass(frozen=True, slots=True)
class ReferralOrderEvent(Event):
    """A referee's order, seen from their referral (the subclass says what happened to it).
    Handlers subscribe to the subclass: the bus matches an event's exact class."""

    referrer_id: int
    referee_id: int
    order: OrderRow

    def data(self) -> dict[str, Any]:
        return {
            "referrer": member_ref(self.referrer_id),
            "referee": member_ref(self.referee_id),
            "order": _order(self.order),
        }


@dataclass(frozen=True, slots=True)
class ReferralConverted(ReferralOrderEvent):
    """An order of a referee was attributed to their referrer."""

    type: ClassVar[str | None] = EventType.REFERRAL_CONVERTED


@dataclass(frozen=True, slots=True)
class ReferralReversed(ReferralOrderEvent):
    """An attributed order stopped counting (refunded, or its referral rejected)."""

    type: ClassVar[str | None] = EventType.REFERRAL_REVERSED


@dataclass(frozen=True, slots=True)
class ReferralReattributed(Event):
    """Staff gave the referral to ``referrer_id``; published before its standing conversions
    move, so a handler can still read their previous referrers."""

    referral_id: int
    referrer_id: int


def _reward(reward: RewardRow) -> dict[str, Any]:
    return {
        "id": gid("ReferralReward", reward.id),
        "referral": {"id": gid("Referral", reward.referral_id)},
        "role": str(reward.role),
        "kind": str(reward.kind),
        "points": reward.points,
        "privilege": reward.privilege or None,
        "tier": reward.tier,
    }


@dataclass(frozen=True, slots=True)
class RewardEvent(Event):
    """A referral reward, as it stands after what the subclass names. Handlers subscribe to the
    subclass: the bus matches an event's exact class."""

    reward: RewardRow

    def data(self) -> dict[str, Any]:
        return {"reward": _reward(self.reward), "member": member_ref(self.reward.member_id)}


@dataclass(frozen=True, slots=True)
class RewardIssued(RewardEvent):
    """A referral reward was paid: points posted, or a privilege granted."""

    type: ClassVar[str | None] = EventType.REWARD_ISSUED


@dataclass(frozen=True, slots=True)
class RewardClawedBack(RewardEvent):
    """Issued reward points were debited back (the order was refunded, or the referral
    rejected)."""

    type: ClassVar[str | None] = EventType.REWARD_CLAWED_BACK


# --- badges (published by koc.badges) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BadgeAwarded(Event):
    """A member earned a badge, by a rule or from staff."""

    type: ClassVar[str | None] = EventType.BADGE_AWARDED
    member_id: int
    badge_id: int
    badge_code: str
    source: str

    def data(self) -> dict[str, Any]:
        return {
            "badge": {"id": gid("Badge", self.badge_id), "code": self.badge_code},
            "source": str(self.source),
            "member": member_ref(self.member_id),
        }


# --- surveys (published by koc.surveys) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class SurveyResponded(Event):
    """A survey was answered (by the member, or recorded by staff in an interview). The
    member is known even when the survey is anonymous: ``anonymous`` says whether their answers
    may be linked to them."""

    type: ClassVar[str | None] = EventType.SURVEY_RESPONDED
    member_id: int
    survey_id: int
    response_id: int
    anonymous: bool = False

    def data(self) -> dict[str, Any]:
        # An anonymous survey's answers are not linked to the member: neither is its event.
        return {
            "survey": {"id": gid("Survey", self.survey_id)},
            "member": None if self.anonymous else member_ref(self.member_id),
        }


# --- privacy (published by koc.privacy) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReferralBound(Event):
    """A referee was bound to a referrer (a new first touch)."""

    referrer_id: int
    referee_id: int


@dataclass(frozen=True, slots=True)
class FollowUpRecorded(Event):
    """An advisor recorded a contact with a member (advisory)."""

    member_id: int
    advisor_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class FollowUpDue(Event):
    """The next action of an advisor's follow-up came due: remind the advisor (a WeCom or CRM
    integration delivers the reminder)."""

    type: ClassVar[str | None] = EventType.FOLLOW_UP_DUE
    follow_up_id: int
    member_id: int
    advisor_id: int
    due_at: datetime

    def data(self) -> dict[str, Any]:
        return {
            "followUp": {"id": gid("FollowUp", self.follow_up_id), "dueAt": _time(self.due_at)},
            "advisor": {"id": gid("StaffUser", self.advisor_id)},
            "member": member_ref(self.member_id),
        }


@dataclass(frozen=True, slots=True)
class MemberErased(Event):
    """The member's personal data was erased: partners should erase their copy too."""

    type: ClassVar[str | None] = EventType.MEMBER_ERASED
    member_id: int

    def data(self) -> dict[str, Any]:
        # The id alone: the member's phone and unionid are gone, and nothing asks for them.
        return {"member": {"id": gid("Member", self.member_id)}}


# --- live codes (published by koc.livecodes) ----------------------------------------------


@dataclass(frozen=True, slots=True)
class LiveCodeTargetsLow(Event):
    """A GROUP live code has fewer usable group QR codes than its threshold: upload the next
    ones before scanners find no group open."""

    type: ClassVar[str | None] = EventType.LIVE_CODE_TARGETS_LOW
    live_code_id: int
    slug: str
    usable_targets: int
    low_targets: int

    def data(self) -> dict[str, Any]:
        return {
            "liveCode": {"id": gid("LiveCode", self.live_code_id), "slug": self.slug},
            "usableTargets": self.usable_targets,
            "lowTargets": self.low_targets,
        }


@dataclass(frozen=True, slots=True)
class LiveCodeTargetExpiring(Event):
    """A group QR code a live code serves expires within a day: renew it (WeChat group QR codes
    last 7 days) or add the next group."""

    type: ClassVar[str | None] = EventType.LIVE_CODE_TARGET_EXPIRING
    live_code_id: int
    slug: str
    target_id: int
    expires_at: datetime

    def data(self) -> dict[str, Any]:
        return {
            "liveCode": {"id": gid("LiveCode", self.live_code_id), "slug": self.slug},
            "target": {"id": gid("LiveCodeTarget", self.target_id)},
            "expiresAt": _time(self.expires_at),
        }


# Each public type's event class (its docstring documents the type).
PUBLIC_EVENTS: dict[EventType, type[Event]] = {
    EventType(cls.type): cls
    for cls in (
        OrderRecorded,
        OrderRefunded,
        MemberEventRecorded,
        MemberStageChanged,
        KocStatusChanged,
        ReferralConverted,
        ReferralReversed,
        SurveyResponded,
        MemberErased,
        RewardIssued,
        RewardClawedBack,
        BadgeAwarded,
        PrivilegeGranted,
        PrivilegeRedeemed,
        LiveCodeTargetsLow,
        LiveCodeTargetExpiring,
        FollowUpDue,
    )
    if cls.type is not None
}

assert set(PUBLIC_EVENTS) == set(EventType), "every EventType has its event class"
