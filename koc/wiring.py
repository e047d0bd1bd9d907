"""Which feature reacts to which event, and in what order: the one place handlers are connected.

``connect_all()`` installs this list; ``create_app``, the CLI and scripts call it before any
event is published (publishing earlier is an error, not a change that silently skips
attribution, badges and scores). tests/test_wiring.py pins the order and fails when a handler is
connected anywhere else.

The order is the one the import-time hooks had when this list replaced them, so behaviour did
not change. What depends on it:
- On an order, referral attribution (which publishes ``ReferralConverted``) runs before the
  rollup counts the order; the rollup's deltas commute with attribution's, so this is for
  reading, not for correctness.
- On a KOC status change, badges record the member's roles first (the segment rules and the
  privileges' automatic grants, re-evaluated by segments, read them).
- On a member merge, each feature moves its own rows; none reads another's.
- Segments come last for each event they react to: their tag and stage rules, and the
  privileges' automatic grants they re-evaluate, read what the handlers before them wrote (KOC
  roles, badges, conversions).
"""

from __future__ import annotations

from koc.advisory import handlers as advisory
from koc.badges import handlers as badges
from koc.creators import services as creators
from koc.creators import signals as discovery
from koc.events import (
    PUBLIC_EVENTS,
    CampaignSubmissionReviewed,
    ConsentChanged,
    Event,
    FollowUpRecorded,
    KocApplicationReviewed,
    KocStatusChanged,
    MemberBadgesChanged,
    MemberEventRecorded,
    MemberLoggedIn,
    MemberMerged,
    MemberStageChanged,
    MemberTagsChanged,
    OrderRecorded,
    OrderRefunded,
    PrivilegeGranted,
    ReferralBound,
    ReferralConverted,
    ReferralReattributed,
    ReferralReversed,
    ReferralRewardsChanged,
    Subscription,
    SurveyResponded,
)
from koc.events.bus import Handler, install
from koc.livecodes import handlers as live_codes
from koc.members.audience import use_language
from koc.notifications import handlers as notifications
from koc.privacy import access as privacy
from koc.privileges import handlers as privileges
from koc.referrals import handlers as referrals
from koc.referrals import rollup
from koc.segments import handlers as segments
from koc.segments.services import SegmentLanguage
from koc.surveys import services as surveys
from koc.webhooks import dispatch as webhooks


def each(event: type[Event], handler: Handler) -> Subscription:
    """``handler`` is called once per event."""
    return Subscription(event, handler)


def batch(event: type[Event], handler: Handler) -> Subscription:
    """``handler`` is called once per ``publish_many`` with the list of its events."""
    return Subscription(event, handler, batch=True)


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    # orders and what members did
    batch(OrderRecorded, badges.on_orders_recorded),
    batch(OrderRecorded, referrals.on_orders_recorded),
    batch(OrderRecorded, rollup.on_orders_recorded),
    batch(OrderRecorded, discovery.on_orders_recorded),
    batch(OrderRecorded, segments.on_orders_recorded),
    each(OrderRefunded, referrals.on_order_refunded),
    each(OrderRefunded, rollup.on_order_refunded),
    each(OrderRefunded, discovery.on_order_refunded),
    each(OrderRefunded, segments.on_order_refunded),
    each(MemberEventRecorded, badges.on_member_event_recorded),
    each(MemberEventRecorded, referrals.on_member_event_recorded),
    each(MemberEventRecorded, discovery.on_member_event_recorded),
    batch(MemberEventRecorded, segments.on_member_events_recorded),
    # members
    each(MemberLoggedIn, badges.on_member_logged_in),
    each(MemberLoggedIn, discovery.on_member_logged_in),
    each(MemberLoggedIn, live_codes.on_member_logged_in),
    each(MemberLoggedIn, advisory.on_member_logged_in),
    each(MemberMerged, badges.on_member_merged),
    each(MemberMerged, privacy.on_member_merged),
    each(MemberMerged, privileges.on_member_merged),
    each(MemberMerged, referrals.on_member_merged),
    each(MemberMerged, rollup.on_member_merged),
    each(MemberMerged, surveys.on_member_merged),
    each(MemberMerged, creators.on_member_merged),
    each(MemberMerged, advisory.on_member_merged),
    batch(MemberStageChanged, segments.on_stages_changed),
    each(MemberTagsChanged, segments.on_tags_changed),
    each(MemberBadgesChanged, segments.on_badges_changed),
    each(MemberBadgesChanged, notifications.on_badges_changed),
    each(ConsentChanged, discovery.on_consent_changed),
    # KOCs
    each(KocStatusChanged, badges.on_koc_status_changed),
    each(KocStatusChanged, referrals.on_koc_status_changed),
    each(KocStatusChanged, surveys.on_koc_status_changed),
    each(KocStatusChanged, segments.on_koc_status_changed),
    each(KocStatusChanged, notifications.on_koc_status_changed),
    each(KocApplicationReviewed, notifications.on_koc_application_reviewed),
    each(CampaignSubmissionReviewed, badges.on_submission_reviewed),
    # referrals
    batch(ReferralConverted, badges.on_referrals_converted),
    batch(ReferralConverted, rollup.on_referrals_converted),
    batch(ReferralConverted, discovery.on_referrals_converted),
    batch(ReferralConverted, segments.on_referrals_converted),
    each(ReferralReversed, badges.on_referral_reversed),
    each(ReferralReversed, rollup.on_referral_reversed),
    each(ReferralReversed, discovery.on_referral_reversed),
    each(ReferralReversed, segments.on_referral_reversed),
    each(ReferralReattributed, rollup.on_referral_reattributed),
    each(ReferralBound, advisory.on_referral_bound),
    each(ReferralRewardsChanged, notifications.on_referral_rewards_changed),
    # privileges
    batch(PrivilegeGranted, notifications.on_privileges_granted),
    # surveys
    each(SurveyResponded, discovery.on_survey_responded),
    # advisory
    each(FollowUpRecorded, discovery.on_follow_up_recorded),
    each(SurveyResponded, segments.on_survey_responded),
    # events out: last, once the features reacted (one webhooks.dispatch job per transaction)
    *(batch(event, webhooks.on_public_events) for event in PUBLIC_EVENTS.values()),
)


def connect_all() -> None:
    """Install every handler above, in order. Idempotent: calling it again changes nothing."""
    install(SUBSCRIPTIONS)
    # Member filters (the members list, bulk tag jobs) and audiences (surveys, privileges,
    # campaigns) may carry a segment rule or a saved segment: koc.members.audience.
    use_language(SegmentLanguage())
