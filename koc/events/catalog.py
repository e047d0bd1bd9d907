"""Every event koc publishes, one frozen dataclass each, with what its handlers need.

Events carry the rows the publisher already holds (the order, the member) so handlers in the
same transaction read them without another statement; a batch of orders stays a few statements
per handler. The rows are typed by the protocols below rather than by the feature models: this
package sits below every feature in the import graph (each of them publishes), so it names none.

A public event (``type`` set) is one partners may see; the others stay inside the process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from koc.events.bus import Event


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


class RefundRow(Protocol):
    """A refund as stored (``koc.orders.models.Refund``)."""

    id: int
    order_id: int
    amount_cents: int


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

    type: ClassVar[str | None] = "order.recorded"
    order: OrderRow
    member: MemberRow
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OrderRefunded(Event):
    """An order was refunded, in part or in full (``order.status`` says which)."""

    type: ClassVar[str | None] = "order.refunded"
    order: OrderRow
    refund: RefundRow
    member: MemberRow


@dataclass(frozen=True, slots=True)
class MemberEventRecorded(Event):
    """A partner reported something a member did (a test drive, an event attended, ...)."""

    type: ClassVar[str | None] = "member_event.recorded"
    member_event: MemberEventRow
    member: MemberRow


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

    type: ClassVar[str | None] = "member.stage_changed"
    member: MemberRow


@dataclass(frozen=True, slots=True)
class MemberTagsChanged(Event):
    """Staff or a rule added or removed tags of these members."""

    member_ids: Sequence[int]


@dataclass(frozen=True, slots=True)
class MemberBadgesChanged(Event):
    """Badges were awarded to or revoked from these members."""

    member_ids: Sequence[int]


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

    type: ClassVar[str | None] = "koc.status_changed"
    member: MemberRow
    status: str
    roles: Sequence[str]


@dataclass(frozen=True, slots=True)
class CampaignSubmissionReviewed(Event):
    """Staff rated a campaign submission; ``approved`` when the rating counts as good."""

    member_id: int
    submission_id: int
    rating: int | None
    approved: bool


# --- referrals (published by koc.referrals) -----------------------------------------------


@dataclass(frozen=True, slots=True)
class ReferralConverted(Event):
    """An order of a referee was attributed to their referrer."""

    type: ClassVar[str | None] = "referral.converted"
    referrer_id: int
    referee_id: int
    order: OrderRow


@dataclass(frozen=True, slots=True)
class ReferralReversed(Event):
    """An attributed order stopped counting (refunded, or its referral rejected)."""

    type: ClassVar[str | None] = "referral.reversed"
    referrer_id: int
    referee_id: int
    order: OrderRow


@dataclass(frozen=True, slots=True)
class ReferralReattributed(Event):
    """Staff gave the referral to ``referrer_id``; published before its standing conversions
    move, so a handler can still read their previous referrers."""

    referral_id: int
    referrer_id: int


# --- surveys (published by koc.surveys) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class SurveyResponded(Event):
    """A survey was answered (by the member, or recorded by staff in an interview). The
    member is known even when the survey is anonymous: ``anonymous`` says whether their answers
    may be linked to them."""

    type: ClassVar[str | None] = "survey.responded"
    member_id: int
    survey_id: int
    response_id: int
    anonymous: bool = False
