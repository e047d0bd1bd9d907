"""The data map: every table that holds a member's data, how the member's rows are found, what
an export shows of them and what erasure does to them.

Export (``koc.privacy.export``) and erasure (``koc.privacy.erasure``) both read this list, so a
table is declared once. ``tests/privacy/test_data_map.py`` finds every model with a foreign key
to Member or a ``*member_id`` / ``referrer_id`` / ``referee_id`` column in every Tortoise app and
fails when one is missing here: a feature that adds a member table must decide its fate.

Erasure keeps the rows that aggregates are made of (orders, points, conversions, survey
responses, privilege redemptions) attached to the emptied member row, and removes or blanks
what identifies the person: identities, profile, free text, device ids, tags and scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import reduce
from operator import or_
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model

from koc.advisory.models import FollowUp, OwnerChange
from koc.auth.models import RefreshToken
from koc.badges.models import BadgeAwardEvent, BadgeHolding, MemberKocRole, MemberSignal
from koc.consent.models import ConsentDecision
from koc.creators.models import (
    CampaignParticipant,
    CampaignSubmission,
    KocApplication,
    KocChange,
    KocProfile,
    KocRoleGrant,
    MemberSignals,
)
from koc.db import table_of
from koc.livecodes.models import LiveCode, LiveCodeArrival, WeComContact
from koc.members.models import (
    Gender,
    Member,
    MemberIdentity,
    MemberTag,
    MemberTagRemoval,
    StageTransition,
)
from koc.notifications.models import Notification, SubscribeGrant, SubscribeMessage
from koc.orders.models import MemberEvent, Order, Refund
from koc.privacy.models import AccessRecord, ErasureRequest
from koc.privileges.models import PrivilegeGrant, PrivilegeRedemption, PrivilegeRsvp, PrivilegeUsage
from koc.referrals.models import (
    PointsEntry,
    Referral,
    ReferralAccount,
    ReferralAttempt,
    ReferralCode,
    ReferralConversion,
    ReferralReportDay,
    ReferralReward,
    ReferralStep,
)
from koc.segments.models import SegmentSnapshotMember
from koc.surveys.models import (
    SurveyAnswer,
    SurveyAnswerPick,
    SurveyAudienceMember,
    SurveyCategoryAnswer,
    SurveyKocRole,
    SurveyParticipation,
    SurveyResponse,
)

ERASED_TEXT = "[erased]"


class Erase(Enum):
    KEEP = "kept"  # holds no identifying value; aggregates count it
    DELETE = "deleted"
    SCRUB = "blanked"  # the row stays, the listed columns are emptied


@dataclass(frozen=True)
class Table:
    model: type[Model]
    # Field lookups that name the member (any of them): ("member_id",), ("order__member_id",)
    member: tuple[str, ...] = ("member_id",)
    # The export's key for these rows (default: the table's name). A table linking two members
    # (referrer and referee) has one entry per side, each with what that side may see.
    section: str = ""
    export: bool = True
    # the columns exported (default: every column but ``hidden``)
    columns: tuple[str, ...] = ()
    erase: Erase = Erase.KEEP
    # SCRUB: column -> value after erasure, on the rows ``erase_by`` names (default: member)
    scrub: tuple[tuple[str, Any], ...] = ()
    erase_by: tuple[str, ...] = ()
    # only rows matching these lookups are scrubbed (e.g. text answers, not ratings)
    erase_where: tuple[tuple[str, Any], ...] = ()
    # related values added to each exported row so a person can read it, e.g. the tag's name
    labels: tuple[str, ...] = ()
    # columns never exported: secrets and internal hashes
    hidden: tuple[str, ...] = ()
    note: str = ""

    @property
    def name(self) -> str:
        return self.section or table_of(self.model)[0]

    @property
    def fields(self) -> list[str]:
        """The model's field names with a column, the primary key first."""
        return [column["name"] for column in table_of(self.model)[1]]

    @property
    def pk(self) -> str:
        return self.fields[0]

    def rows_of(self, member_id: int) -> Q:
        return reduce(or_, (Q(**{lookup: member_id}) for lookup in self.member))

    def erased_rows_of(self, member_id: int) -> Q:
        lookups = self.erase_by or self.member
        q = reduce(or_, (Q(**{lookup: member_id}) for lookup in lookups))
        return q & Q(**dict(self.erase_where)) if self.erase_where else q

    @property
    def scrubbed(self) -> Mapping[str, Any]:
        return dict(self.scrub)


def _scrub(**values: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(values.items())


CATALOG: tuple[Table, ...] = (
    # --- members, identities, tags, stages ------------------------------------------------
    Table(
        Member,
        member=("id",),
        erase=Erase.SCRUB,
        scrub=_scrub(
            unionid=None,
            phone=None,
            nickname="",
            avatar_url="",
            gender=Gender.UNKNOWN,
            birthday=None,
            region="",
            source_channel="",
        ),
        note="the empty row keeps the member's orders, points and referrals counted",
    ),
    Table(MemberIdentity, erase=Erase.DELETE, note="openids: a later login is a new member"),
    Table(RefreshToken, erase=Erase.DELETE, hidden=("token_hash",)),
    Table(MemberTag, erase=Erase.DELETE, labels=("tag__name", "tag__group__name")),
    Table(
        MemberTagRemoval,
        erase=Erase.DELETE,
        labels=("tag__name", "tag__group__name"),
        note="tags that came off, kept for the member's story",
    ),
    Table(
        StageTransition,
        erase=Erase.SCRUB,
        scrub=_scrub(reason=""),
        labels=("from_stage__code", "to_stage__code"),
        note="stage moves stay for the funnel, without staff's words",
    ),
    Table(
        FollowUp,
        erase=Erase.SCRUB,
        scrub=_scrub(note="", next_action=""),
        note="contacts stay for the advisors' reports, without what was said",
    ),
    Table(
        OwnerChange,
        erase=Erase.SCRUB,
        scrub=_scrub(note=""),
        note="owner changes stay for the advisors' reports, without staff's words",
    ),
    # --- what partners reported ------------------------------------------------------------
    Table(
        Order,
        erase=Erase.SCRUB,
        scrub=_scrub(fingerprint=""),
        hidden=("fingerprint",),
        note="amounts stay for reports and refunds; the content hash (it covered the phone) goes",
    ),
    Table(Refund, member=("order__member_id",), hidden=("fingerprint",)),
    Table(
        MemberEvent,
        erase=Erase.SCRUB,
        scrub=_scrub(payload={}, fingerprint=""),
        hidden=("fingerprint",),
        note="kind and time stay for signals; the partner's details go",
    ),
    # --- KOCs ----------------------------------------------------------------------------
    Table(KocProfile),
    Table(KocRoleGrant),
    Table(KocChange, erase=Erase.SCRUB, scrub=_scrub(reason="")),
    Table(
        KocApplication,
        erase=Erase.SCRUB,
        scrub=_scrub(statement="", links=[], rejection_reason=""),
    ),
    Table(CampaignParticipant, labels=("campaign__title",)),
    Table(
        CampaignSubmission,
        erase=Erase.SCRUB,
        scrub=_scrub(text="", links=[], media_urls=[], review_comment=""),
        labels=("campaign__title",),
    ),
    Table(MemberSignals, erase=Erase.DELETE, note="discovery scores are profiling"),
    # --- badges and privileges -------------------------------------------------------------
    Table(BadgeHolding, erase=Erase.SCRUB, scrub=_scrub(reason=""), labels=("badge__name",)),
    Table(BadgeAwardEvent, erase=Erase.SCRUB, scrub=_scrub(reason=""), labels=("badge__name",)),
    Table(MemberSignal, note="counted facts behind badge rules"),
    Table(MemberKocRole),
    Table(
        PrivilegeGrant,
        erase=Erase.SCRUB,
        scrub=_scrub(reason=""),
        labels=("privilege__name",),
        note="grants and redemptions stay: privilege stock and quotas count them",
    ),
    Table(PrivilegeRedemption, labels=("privilege__name",)),
    Table(PrivilegeRsvp, labels=("privilege__name",)),
    Table(PrivilegeUsage, labels=("privilege__name",)),
    # --- referrals and points ----------------------------------------------------------------
    Table(ReferralCode, erase=Erase.DELETE, note="a vanity code may spell the member's name"),
    Table(ReferralAccount, erase=Erase.SCRUB, scrub=_scrub(ban_reason="")),
    # As referee the member sees how they were referred; as referrer, the people they brought
    # as the mini-program shows them (milestones, never the referee's own data).
    Table(
        Referral,
        member=("referee_id",),
        erase=Erase.SCRUB,
        scrub=_scrub(device_id=None, review_note=""),
        note="the referrer keeps the referral and its conversions, without the referee's identity",
    ),
    Table(
        Referral,
        member=("referrer_id",),
        section="referral_as_referrer",
        columns=("id", "referee_id", "code", "channel", "bound_at", "milestone", "milestone_at"),
        erase=Erase.SCRUB,
        scrub=_scrub(code=""),
        note="the code a referee used: a vanity code may spell the referrer's name",
    ),
    Table(
        ReferralStep,
        member=("referral__referee_id",),
        erase=Erase.SCRUB,
        scrub=_scrub(note=""),
    ),
    Table(
        ReferralAttempt,
        member=("referee_id",),
        erase=Erase.SCRUB,
        scrub=_scrub(device_id=None),
        note="links the member opened; attempts on the member's own code are the other person's",
    ),
    Table(
        ReferralAttempt,
        member=("referrer_id",),
        section="referral_attempt_as_referrer",
        export=False,
        erase=Erase.SCRUB,
        scrub=_scrub(code=""),
        note="other people opening the member's link: theirs, not the member's",
    ),
    Table(ReferralConversion, member=("referee_id",)),
    Table(
        ReferralConversion,
        member=("referrer_id",),
        section="referral_conversion_as_referrer",
        columns=("id", "referral_id", "status", "occurred_at"),
        note="the referrer's conversion counts stay",
    ),
    Table(ReferralReward, erase=Erase.SCRUB, scrub=_scrub(note="")),
    Table(PointsEntry, note="the points ledger keeps its sums"),
    Table(
        ReferralReportDay,
        member=("referrer_id",),
        export=False,
        note="the daily report rollup: sums of the referees' orders, not the member's own data",
    ),
    # --- surveys ---------------------------------------------------------------------------
    Table(
        SurveyResponse,
        erase=Erase.SCRUB,
        scrub=_scrub(notes=""),
        labels=("survey__title",),
        note="responses stay so survey counts do not change",
    ),
    Table(
        SurveyAnswer,
        member=("response__member_id",),
        erase=Erase.SCRUB,
        scrub=_scrub(text=ERASED_TEXT),
        erase_where=_scrub(text__isnull=False),
        labels=("question__key",),
        note="ratings stay; free-text answers are replaced by [erased]",
    ),
    Table(SurveyAnswerPick, member=("response__member_id",), labels=("option__label",)),
    Table(SurveyCategoryAnswer, labels=("option__label",)),
    Table(SurveyParticipation, erase=Erase.SCRUB, scrub=_scrub(draft=None)),
    Table(SurveyAudienceMember),
    Table(SurveyKocRole),
    # --- live codes ------------------------------------------------------------------------
    Table(LiveCodeArrival, labels=("live_code__name",), note="channel counts stay"),
    Table(WeComContact, erase=Erase.DELETE, note="the WeCom external userid identifies them"),
    Table(
        LiveCode,
        member=("owner_member_id",),
        export=False,
        note="a KOC's live code: staff configuration that names them as its owner",
    ),
    # --- notifications: the messages before the inbox entries they belong to --------------
    Table(SubscribeGrant, erase=Erase.DELETE),
    Table(SubscribeMessage, erase=Erase.DELETE, note="what WeChat was asked to deliver"),
    Table(Notification, erase=Erase.DELETE, note="the in-app inbox"),
    # --- segments --------------------------------------------------------------------------
    Table(SegmentSnapshotMember, erase=Erase.DELETE, note="who a segment held when it was used"),
    # --- privacy ---------------------------------------------------------------------------
    Table(ConsentDecision, labels=("policy__version",), note="evidence of consent"),
    Table(ErasureRequest, note="evidence of erasure"),
    Table(AccessRecord, note="who read the member's phone or unionid, and why"),
)
