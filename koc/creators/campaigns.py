"""Recruitment campaigns (event-driven recruiting): staff launch a campaign for a role, members
in its audience sign up and submit work, staff rate it and promote the best into the role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.creators import rules, services
from koc.creators.errors import KocCampaignErrorCode
from koc.creators.models import (
    CampaignParticipant,
    CampaignSubmission,
    KocCampaign,
    KocRole,
    MemberSignals,
)
from koc.creators.signals import SCORE_COLUMNS, seen, update_signals
from koc.errors import DomainError
from koc.events import CampaignSubmissionReviewed, publish
from koc.members.audience import Audience, check, conditions, holders
from koc.members.models import Member

MAX_CAPACITY = 1_000_000
MAX_TEXT = 5000
MAX_SUBMISSION_LINKS = 10
MAX_MEDIA = 20
MAX_SUBMISSIONS = 20
MAX_SCORE = 1_000_000.0


def _now() -> datetime:
    return datetime.now(UTC)


def _invalid(message: str, field: str) -> DomainError:
    return DomainError(KocCampaignErrorCode.INVALID, message, field)


@dataclass
class CampaignInput:
    title: str
    brief: str
    role: KocRole
    starts_at: datetime
    ends_at: datetime
    # Who may join (neither rule nor segment: every member), with min_score for the role.
    audience: Audience = field(default_factory=Audience)
    min_score: float | None = None
    capacity: int | None = None


def _check(data: CampaignInput) -> None:
    if not 1 <= len(data.title.strip()) <= 120:
        raise _invalid("The title is 1-120 characters.", "title")
    if not 1 <= len(data.brief.strip()) <= MAX_TEXT:
        raise _invalid(f"The brief is 1-{MAX_TEXT} characters.", "brief")
    for name, value in (("startsAt", data.starts_at), ("endsAt", data.ends_at)):
        if value.tzinfo is None:
            raise _invalid("Time must carry a time zone.", name)
    if data.ends_at <= data.starts_at:
        raise _invalid("endsAt must be after startsAt.", "endsAt")
    if data.ends_at <= _now():
        raise _invalid("endsAt must be in the future.", "endsAt")
    if data.capacity is not None and not 1 <= data.capacity <= MAX_CAPACITY:
        raise _invalid(f"capacity is between 1 and {MAX_CAPACITY}.", "capacity")
    if data.min_score is not None and not -MAX_SCORE <= data.min_score <= MAX_SCORE:
        raise _invalid("minScore is out of range.", "minScore")


async def create_campaign(data: CampaignInput, *, actor: StaffViewer) -> KocCampaign:
    _check(data)
    await check(data.audience, "audience")
    async with in_transaction():
        campaign = await KocCampaign.create(
            title=data.title.strip(),
            brief=data.brief.strip(),
            role=data.role,
            starts_at=data.starts_at.astimezone(UTC),
            ends_at=data.ends_at.astimezone(UTC),
            audience_rule=data.audience.rule,
            audience_segment_id=data.audience.segment_id,
            min_score=data.min_score,
            capacity=data.capacity,
            staff_id=actor.staff_id,
        )
        await audit.record(
            actor,
            "koc.campaign_create",
            "KocCampaign",
            campaign.id,
            after={
                "title": campaign.title,
                "role": campaign.role.value,
                "startsAt": campaign.starts_at.isoformat(),
                "endsAt": campaign.ends_at.isoformat(),
                "audience": {"rule": data.audience.rule, "segmentId": data.audience.segment_id},
                "minScore": data.min_score,
                "capacity": data.capacity,
            },
        )
    return campaign


def running(now: datetime) -> Q:
    """Campaigns whose time window contains ``now``."""
    return Q(starts_at__lte=now, ends_at__gt=now)


async def _score_filter(member_id: int) -> Q:
    """Campaigns whose minimum score for their role the member reaches (or that have none)."""
    scores = await MemberSignals.get_or_none(member_id=member_id)
    score_q = Q(min_score__isnull=True)
    for role in KocRole:
        value = getattr(scores, SCORE_COLUMNS[role]) if scores else 0.0
        score_q |= Q(role=role, min_score__lte=value)
    return score_q


async def open_ids(member_id: int, campaign_id: int | None = None) -> set[int]:
    """Ids of the running campaigns (or of ``campaign_id`` alone, if running) the member may
    join: the minimum score for the role, and the audience (koc.members.audience) holds them.
    A constant number of statements: the scores, the campaigns, the rules of their saved
    segments, one query over the member."""
    now = _now()
    campaigns = KocCampaign.filter(running(now)).filter(await _score_filter(member_id))
    if campaign_id is not None:
        campaigns = campaigns.filter(id=campaign_id)
    rows = await campaigns.values_list("id", "audience_rule", "audience_segment_id")
    if not rows:
        return set()
    audiences = [Audience(rule, segment) for _, rule, segment in rows]
    keyed = list(zip([c for c, _, _ in rows], await conditions(audiences, now), strict=True))
    return (await holders([member_id], keyed))[member_id]


async def open_to_member(member_id: int) -> QuerySet[KocCampaign]:
    """Running campaigns the member may join."""
    return KocCampaign.filter(id__in=sorted(await open_ids(member_id)))


async def join(campaign_id: int, member_id: int) -> CampaignParticipant:
    """Sign the member up; the capacity holds under concurrent sign-ups (conditional UPDATE)."""
    async with in_transaction():
        campaign = await KocCampaign.get_or_none(id=campaign_id)
        if campaign is None:
            raise DomainError(
                KocCampaignErrorCode.CAMPAIGN_NOT_FOUND, "No such campaign.", "campaignId"
            )
        if not await KocCampaign.filter(id=campaign_id).filter(running(_now())).exists():
            raise DomainError(KocCampaignErrorCode.NOT_OPEN, "This campaign is not open.", None)
        if campaign_id not in await open_ids(member_id, campaign_id):
            raise DomainError(
                KocCampaignErrorCode.NOT_IN_AUDIENCE, "This campaign is not open to you.", None
            )
        try:
            async with in_transaction():
                participant = await CampaignParticipant.create(
                    campaign_id=campaign_id, member_id=member_id
                )
        except IntegrityError as exc:
            raise DomainError(
                KocCampaignErrorCode.ALREADY_JOINED, "You already joined this campaign.", None
            ) from exc
        taken = (
            await KocCampaign.filter(id=campaign_id)
            .filter(Q(capacity__isnull=True) | Q(participant_count__lt=F("capacity")))
            .update(participant_count=F("participant_count") + 1)
        )
        if not taken:
            raise DomainError(KocCampaignErrorCode.FULL, "This campaign is full.", None)

        def change(r: MemberSignals) -> None:
            r.campaign_signups += 1
            seen(r, participant.created_at)

        await update_signals(member_id, change)
    return participant


@dataclass
class SubmissionInput:
    text: str = ""
    links: Sequence[str] = ()
    media_urls: Sequence[str] = ()


async def submit(campaign_id: int, member_id: int, data: SubmissionInput) -> CampaignSubmission:
    """A participant submits work (text, links, media URLs) while the campaign runs."""
    text = data.text.strip()
    if len(text) > MAX_TEXT:
        raise _invalid(f"The text is at most {MAX_TEXT} characters.", "text")
    code = KocCampaignErrorCode.INVALID
    links = services.clean_urls(data.links, MAX_SUBMISSION_LINKS, "links", code)
    media = services.clean_urls(data.media_urls, MAX_MEDIA, "mediaUrls", code)
    if not (text or links or media):
        raise _invalid("Submit some text, a link or a media URL.", "text")
    async with in_transaction():
        participant = (
            await CampaignParticipant.filter(campaign_id=campaign_id, member_id=member_id)
            .select_for_update()
            .first()
        )
        if participant is None:
            if not await KocCampaign.exists(id=campaign_id):
                raise DomainError(
                    KocCampaignErrorCode.CAMPAIGN_NOT_FOUND, "No such campaign.", "campaignId"
                )
            raise DomainError(
                KocCampaignErrorCode.NOT_JOINED, "Join the campaign before submitting.", None
            )
        if not await KocCampaign.filter(id=campaign_id).filter(running(_now())).exists():
            raise DomainError(KocCampaignErrorCode.NOT_OPEN, "This campaign is not open.", None)
        if (
            await CampaignSubmission.filter(campaign_id=campaign_id, member_id=member_id).count()
            >= MAX_SUBMISSIONS
        ):
            raise DomainError(
                KocCampaignErrorCode.TOO_MANY_SUBMISSIONS,
                f"At most {MAX_SUBMISSIONS} submissions per campaign.",
                None,
            )
        submission = await CampaignSubmission.create(
            campaign_id=campaign_id, member_id=member_id, text=text, links=links, media_urls=media
        )

        def change(r: MemberSignals) -> None:
            r.campaign_submissions += 1
            seen(r, submission.created_at)

        await update_signals(member_id, change)
    return submission


async def review_submission(
    submission_id: int, rating: int, comment: str, promote: bool, *, actor: StaffViewer
) -> CampaignSubmission:
    """Rate a submission 1-5 (again, to change the rating); ``promote`` also makes the author a
    KOC of the campaign's role (closing their open application as approved)."""
    if not 1 <= rating <= 5:
        raise _invalid("Rate from 1 to 5.", "rating")
    comment = comment.strip()
    if len(comment) > 1000:
        raise _invalid("The comment is at most 1000 characters.", "comment")
    async with in_transaction():
        submission = await CampaignSubmission.filter(id=submission_id).select_for_update().first()
        if submission is None:
            raise DomainError(
                KocCampaignErrorCode.SUBMISSION_NOT_FOUND, "No such submission.", "submissionId"
            )
        before = submission.rating
        submission.rating = rating
        submission.rating_rank = rating
        submission.review_comment = comment
        submission.reviewed_by_id = actor.staff_id
        submission.reviewed_at = _now()
        await submission.save()

        def change(r: MemberSignals) -> None:
            r.rating_sum += rating - (before or 0)
            r.rating_count += before is None

        await update_signals(submission.member_id, change)
        if promote:
            campaign = await KocCampaign.get(id=submission.campaign_id)
            member = await Member.get(id=submission.member_id).select_for_update()
            reason = f"Promoted from campaign {campaign.title}"[:500]
            await services.grant_roles(member, [campaign.role], reason, staff_id=actor.staff_id)
            await services.approve_open_application(member.id, [campaign.role], actor.staff_id)
        await publish(
            CampaignSubmissionReviewed(
                member_id=submission.member_id,
                submission_id=submission.id,
                rating=rating,
                approved=rating >= rules.GOOD_RATING,
            )
        )
        await audit.record(
            actor,
            "koc.submission_review",
            "CampaignSubmission",
            submission.id,
            before={"rating": before},
            after={"rating": rating, "comment": comment, "promoted": promote},
        )
    return submission
