"""Typed domain events: what features publish inside their transactions (``publish``), and the
catalog of events. Which feature reacts to which event, in what order, is koc/wiring.py."""

from koc.events.bus import Event, NotWired, Subscription, installed, publish, publish_many
from koc.events.catalog import (
    CampaignSubmissionReviewed,
    ConsentChanged,
    KocStatusChanged,
    MemberBadgesChanged,
    MemberEventRecorded,
    MemberLoggedIn,
    MemberMerged,
    MemberStageChanged,
    MemberTagsChanged,
    OrderRecorded,
    OrderRefunded,
    ReferralConverted,
    ReferralReattributed,
    ReferralReversed,
    SurveyResponded,
)

__all__ = [
    "CampaignSubmissionReviewed",
    "ConsentChanged",
    "Event",
    "KocStatusChanged",
    "MemberBadgesChanged",
    "MemberEventRecorded",
    "MemberLoggedIn",
    "MemberMerged",
    "MemberStageChanged",
    "MemberTagsChanged",
    "NotWired",
    "OrderRecorded",
    "OrderRefunded",
    "ReferralConverted",
    "ReferralReattributed",
    "ReferralReversed",
    "Subscription",
    "SurveyResponded",
    "installed",
    "publish",
    "publish_many",
]
