"""What members hear about, and when: one plain async function per trigger, each building the
notifications of one happening with a key that names it, so a replayed event adds nothing.

Each runs inside the transaction of the change it reports (a handler of ``koc.hooks`` today,
of the typed events once they land: see ``koc.notifications.handlers``), or from a scheduled
scan (privileges about to expire, seats for tomorrow's events), or when staff invite a
survey's audience.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from koc.badges.models import BadgeHolding
from koc.creators.models import ApplicationStatus, KocApplication, KocProfile, KocStatus
from koc.db import fetch
from koc.errors import DomainError
from koc.notifications.errors import NotificationErrorCode as Code
from koc.notifications.inbox import Recipient, notify
from koc.notifications.models import NotificationKind as K
from koc.privileges.models import (
    GrantStatus,
    Privilege,
    PrivilegeGrant,
    PrivilegeRsvp,
    RsvpStatus,
)
from koc.referrals.models import ReferralReward
from koc.rows import fetch_by_keys, row_maker, table_and_columns
from koc.segments import services as segments
from koc.segments.models import SegmentSnapshot
from koc.settings import get_settings
from koc.surveys.audience import open_surveys_of
from koc.surveys.models import Survey, SurveyStatus

ROLE_NAMES = {"CONTENT": "内容达人", "EXPERIENCE": "体验达人", "CO_CREATOR": "共创达人"}
# A badge change reported later than this is not news any more (a re-evaluation of old awards).
BADGE_NEWS = timedelta(days=1)
AUDIENCE_BATCH = 1000


def _roles(values: Sequence[str]) -> list[str]:
    return [ROLE_NAMES.get(v, v) for v in values]


async def koc_applications_reviewed(application_ids: Sequence[int]) -> list[int]:
    """An approved or declined KOC application tells its member."""
    made: list[int] = []
    for a in await KocApplication.filter(id__in=list(application_ids)):
        if a.status is ApplicationStatus.APPROVED:
            kind, fields = K.KOC_APPLICATION_APPROVED, {"roles": _roles(a.roles_granted)}
        elif a.status is ApplicationStatus.REJECTED:
            kind, fields = K.KOC_APPLICATION_DECLINED, {"reason": a.rejection_reason}
        else:
            continue
        fields |= {"application_id": a.id, "reviewed_at": a.reviewed_at}
        made += await notify(kind, [Recipient(a.member_id, f"koc_application:{a.id}", fields)])
    return made


async def kocs_activated(member_ids: Sequence[int], roles: Sequence[str] = ()) -> list[int]:
    """A member who became an active KOC hears it with their certificate number (once per
    certificate: a KOC paused and activated again is not told twice)."""
    recipients = [
        Recipient(
            p.member_id,
            f"koc_certificate:{p.certificate_number}",
            {
                "certificate_number": p.certificate_number,
                "roles": _roles(roles),
                "activated_at": p.activated_at,
            },
        )
        for p in await KocProfile.filter(member_id__in=list(member_ids), status=KocStatus.ACTIVE)
        if p.certificate_number
    ]
    return await notify(K.KOC_ACTIVATED, recipients)


class _Awarded(NamedTuple):
    id: int
    member_id: int
    badge_id: int
    awarded_at: datetime


_AWARDED = (
    "SELECT h.id, h.member_id, h.badge_id, h.awarded_at, b.name FROM badge_holding h"
    " JOIN badge b ON b.id = h.badge_id"
    " WHERE h.member_id IN ({keys}) AND h.revoked_at IS NULL AND h.awarded_at >= ?"
    " ORDER BY h.id"
)


async def badges_awarded(member_ids: Sequence[int], *, now: datetime | None = None) -> list[int]:
    """Badges the members hold that were awarded in the last day tell them, once per award.
    One fixed statement (a referrer's busy day awards badges order after order)."""
    since = ((now or datetime.now(UTC)) - BADGE_NEWS).astimezone(UTC)
    table_and_columns(BadgeHolding, _Awarded)  # the row type checked against the model once
    make = row_maker(_Awarded)
    rows = await fetch_by_keys(_AWARDED, member_ids, [since])
    return await notify(
        K.BADGE_EARNED,
        [
            Recipient(
                h.member_id,
                f"badge_holding:{h.id}",
                {"badge_id": h.badge_id, "badge_name": name, "earned_at": h.awarded_at},
            )
            for h, name in ((make(row[:4]), row[4]) for row in rows)
        ],
    )


async def _privilege_names(grants: Sequence[PrivilegeGrant]) -> dict[int, Privilege]:
    return {p.id: p for p in await Privilege.filter(id__in=[g.privilege_id for g in grants])}


async def privileges_granted(grant_ids: Sequence[int]) -> list[int]:
    """A privilege granted (by staff or by eligibility) tells its member."""
    grants = await PrivilegeGrant.filter(id__in=list(grant_ids), status=GrantStatus.ACTIVE)
    privileges = await _privilege_names(grants)
    return await notify(
        K.PRIVILEGE_GRANTED,
        [
            Recipient(
                g.member_id,
                f"privilege_grant:{g.id}",
                {
                    "privilege_id": g.privilege_id,
                    "privilege_name": privileges[g.privilege_id].name,
                    "valid_until": g.expires_at or "长期有效",
                },
            )
            for g in grants
        ],
    )


async def privileges_expiring(now: datetime | None = None, days: int | None = None) -> list[int]:
    """Active, unused grants that expire within ``days`` (``notify_privilege_expiring_days``)
    remind their members, once per grant: a daily scan."""
    now = now or datetime.now(UTC)
    days = days or get_settings().notify_privilege_expiring_days
    grants = await PrivilegeGrant.filter(
        status=GrantStatus.ACTIVE,
        redeemed_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=days),
    )
    privileges = await _privilege_names(grants)
    return await notify(
        K.PRIVILEGE_EXPIRING,
        [
            Recipient(
                g.member_id,
                f"privilege_expiring:{g.id}",
                {
                    "privilege_id": g.privilege_id,
                    "privilege_name": privileges[g.privilege_id].name,
                    "expires_at": g.expires_at,
                    "days_left": max(1, -(-(g.expires_at - now) // timedelta(days=1))),
                },
            )
            for g in grants
            if g.expires_at is not None
        ],
        now=now,
    )


async def seats_tomorrow(now: datetime | None = None) -> list[int]:
    """Members holding a seat at an event that starts tomorrow (brand time zone) are reminded
    the day before, once per seat: a daily scan."""
    now = now or datetime.now(UTC)
    tz = ZoneInfo(get_settings().notify_time_zone)
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), tz).astimezone(UTC)
    events = {
        p.id: p
        for p in await Privilege.filter(
            starts_at__gte=start, starts_at__lt=start + timedelta(days=1)
        )
    }
    seats = await PrivilegeRsvp.filter(privilege_id__in=list(events), status=RsvpStatus.RESERVED)
    return await notify(
        K.SEAT_REMINDER,
        [
            Recipient(
                s.member_id,
                f"seat:{s.id}",
                {
                    "privilege_id": s.privilege_id,
                    "event_name": events[s.privilege_id].name,
                    "starts_at": events[s.privilege_id].starts_at,
                },
            )
            for s in seats
        ],
        now=now,
    )


async def referral_rewards_changed(reward_ids: Sequence[int]) -> list[int]:
    """An issued reward thanks its member; a clawed-back one tells them why the points went."""
    made: list[int] = []
    for r in await ReferralReward.filter(id__in=list(reward_ids)):
        if r.status.value == "ISSUED":
            kind, fields = K.REFERRAL_REWARD_ISSUED, {"issued_at": r.issued_at}
        elif r.status.value == "CLAWED_BACK":
            kind, fields = K.REFERRAL_REWARD_CLAWED_BACK, {"clawed_back_at": datetime.now(UTC)}
        else:
            continue
        fields |= {"reward_id": r.id, "points": r.points}
        made += await notify(kind, [Recipient(r.member_id, f"reward:{r.id}:{kind.value}", fields)])
    return made


async def survey_invitations(
    survey_id: int, member_ids: Sequence[int] | None = None, *, now: datetime | None = None
) -> int:
    """Invite members to an open survey: those of ``member_ids`` (a segment) in its audience,
    or its whole audience. Marketing: only members with MARKETING consent are invited. Returns
    how many were invited now (a second invitation to the same survey adds nobody)."""
    now = now or datetime.now(UTC)
    survey = await Survey.get_or_none(id=survey_id)
    if survey is None or survey.status is not SurveyStatus.OPEN:
        raise DomainError(Code.NOT_FOUND, "No open survey has this ID.", "surveyId")
    fields = {"survey_id": survey.id, "survey_title": survey.title, "closes_at": survey.closes_at}
    invited = 0
    async for batch in _batches(member_ids):
        audience = await open_surveys_of(batch, now, survey.id)
        recipients = [Recipient(m, f"survey:{survey.id}", fields) for m in batch if audience[m]]
        invited += len(await notify(K.SURVEY_INVITATION, recipients, now=now))
    return invited


async def survey_invitations_to_segment(
    survey_id: int, segment_id: int, *, now: datetime | None = None
) -> tuple[int, SegmentSnapshot]:
    """Invite the members a saved segment holds now (those in the survey's audience), recording
    who it held as a snapshot used for ``survey:<id>``: later reports read whom the invitation
    was for, whatever the segment holds by then. Call inside the invitation's transaction."""
    now = now or datetime.now(UTC)
    shot = await segments.snapshot(segment_id, f"survey:{survey_id}", now)
    held = await segments.snapshot_members(shot.id).order_by("id").values_list("id", flat=True)
    return await survey_invitations(survey_id, held, now=now), shot


async def _batches(member_ids: Sequence[int] | None) -> AsyncIterator[list[int]]:
    """``member_ids`` in batches, or every member's id in batches (keyset pages)."""
    if member_ids is not None:
        ids = list(dict.fromkeys(member_ids))
        for start in range(0, len(ids), AUDIENCE_BATCH):
            yield ids[start : start + AUDIENCE_BATCH]
        return
    last = 0
    while True:
        rows = await fetch(
            "SELECT id FROM member WHERE id > ? ORDER BY id LIMIT ?", [last, AUDIENCE_BATCH]
        )
        if not rows:
            return
        yield [r[0] for r in rows]
        last = rows[-1][0]
