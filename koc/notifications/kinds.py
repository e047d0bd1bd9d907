"""What each kind of notification carries: its fields (the placeholders a template mapping may
use, with a sample value each), whether it is marketing, and its inbox wording.

The inbox text is fixed here so a member who never granted a subscription still reads a
sensible message; the WeChat template's keys are the brand's to fill (``koc.notifications
.templates``)."""

from __future__ import annotations

from dataclasses import dataclass

from koc.notifications.models import NotificationKind as K


@dataclass(frozen=True)
class KindSpec:
    description: str
    # field name -> a sample value, as the notification will carry it (a string)
    fields: dict[str, str]
    title: str
    body: str
    link: str  # the mini-program page the inbox entry opens, with placeholders
    marketing: bool = False  # needs the member's MARKETING consent to be sent to WeChat


SPECS: dict[K, KindSpec] = {
    K.KOC_APPLICATION_APPROVED: KindSpec(
        "Staff approved the member's KOC application.",
        {"application_id": "12", "roles": "内容达人", "reviewed_at": "2026年12月07日 15:01"},
        "KOC application approved",
        "Welcome aboard: your application as {roles} was approved.",
        "pages/koc/status?applicationId={application_id}",
    ),
    K.KOC_APPLICATION_DECLINED: KindSpec(
        "Staff declined the member's KOC application.",
        {"application_id": "12", "reason": "资料不完整", "reviewed_at": "2026年12月07日 15:01"},
        "KOC application declined",
        "Your KOC application was declined: {reason}",
        "pages/koc/status?applicationId={application_id}",
    ),
    K.KOC_ACTIVATED: KindSpec(
        "The member became an active KOC, with a certificate number.",
        {
            "certificate_number": "KOC-2026-000012",
            "roles": "内容达人",
            "activated_at": "2026年12月07日 15:01",
        },
        "You are a KOC",
        "You are now a KOC ({roles}). Certificate {certificate_number}.",
        "pages/koc/certificate",
    ),
    K.BADGE_EARNED: KindSpec(
        "The member earned a badge.",
        {"badge_id": "3", "badge_name": "首批车主", "earned_at": "2026年12月07日 15:01"},
        "Badge earned",
        "You earned the badge {badge_name}.",
        "pages/badges/detail?id={badge_id}",
    ),
    K.PRIVILEGE_GRANTED: KindSpec(
        "The member was granted a privilege.",
        {"privilege_id": "5", "privilege_name": "终身售后", "valid_until": "2027年12月07日 23:59"},
        "Privilege granted",
        "You were granted {privilege_name}, valid until {valid_until}.",
        "pages/privileges/detail?id={privilege_id}",
    ),
    K.PRIVILEGE_EXPIRING: KindSpec(
        "A privilege of the member expires within the configured number of days.",
        {
            "privilege_id": "5",
            "privilege_name": "节日礼品",
            "expires_at": "2026年12月10日 23:59",
            "days_left": "3",
        },
        "Privilege expiring",
        "{privilege_name} expires on {expires_at}: use it within {days_left} days.",
        "pages/privileges/detail?id={privilege_id}",
    ),
    K.SEAT_REMINDER: KindSpec(
        "The day before an event the member holds a seat for.",
        {"privilege_id": "7", "event_name": "车主沙龙", "starts_at": "2026年12月08日 19:00"},
        "See you tomorrow",
        "Your seat at {event_name} is held: it starts {starts_at}.",
        "pages/privileges/detail?id={privilege_id}",
    ),
    K.REFERRAL_REWARD_ISSUED: KindSpec(
        "A referral reward was issued to the member.",
        {"reward_id": "9", "points": "100", "issued_at": "2026年12月07日 15:01"},
        "Referral reward issued",
        "Thank you for your referral: {points} points were added.",
        "pages/referrals/rewards",
    ),
    K.REFERRAL_REWARD_CLAWED_BACK: KindSpec(
        "A referral reward of the member was clawed back (the order was refunded).",
        {"reward_id": "9", "points": "100", "clawed_back_at": "2026年12月07日 15:01"},
        "Referral reward withdrawn",
        "The referred order was refunded, so {points} points were withdrawn.",
        "pages/referrals/rewards",
    ),
    K.SURVEY_INVITATION: KindSpec(
        "Staff invite a segment of members to answer a survey.",
        {"survey_id": "4", "survey_title": "充电桩需求调研", "closes_at": "2026年12月31日 23:59"},
        "Tell us what you need",
        "We would love your answers to '{survey_title}'.",
        "pages/surveys/answer?id={survey_id}",
        marketing=True,
    ),
}


def render(text: str, data: dict[str, str]) -> str:
    """``text`` with its ``{field}`` placeholders filled from ``data`` (absent fields empty)."""
    return text.format_map(_Blank(data))


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""
