"""Which open surveys members are in the audience of: a constant number of statements whatever
the number of surveys and members (the open surveys, the rules of their saved segments, then one
query over the members with a condition per survey).

A survey's audience is a rule of koc.segments' language or a saved segment (RULES mode, through
koc.members.audience), or an explicit list of members (EXPLICIT mode)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.expressions import Q, Subquery

from koc.members.audience import Audience, conditions, holders
from koc.surveys.models import AudienceMode, Survey, SurveyAudienceMember, SurveyStatus


def _explicit(survey_id: int) -> Q:
    return Q(id__in=Subquery(SurveyAudienceMember.filter(survey_id=survey_id).values("member_id")))


async def open_surveys_for(member_id: int, now: datetime, survey_id: int | None = None) -> set[int]:
    """Ids of the open surveys (or of ``survey_id`` alone) whose audience holds the member."""
    return (await open_surveys_of([member_id], now, survey_id))[member_id]


async def open_surveys_of(
    member_ids: Sequence[int], now: datetime, survey_id: int | None = None
) -> dict[int, set[int]]:
    """Per member, the ids of the open surveys (or of ``survey_id`` alone) whose audience holds
    them (an empty set for a member in none, or unknown)."""
    found: dict[int, set[int]] = {m: set() for m in member_ids}
    if not member_ids:
        return found
    surveys = Survey.filter(status=SurveyStatus.OPEN).filter(
        Q(closes_at__isnull=True) | Q(closes_at__gt=now)
    )
    if survey_id is not None:
        surveys = surveys.filter(id=survey_id)
    rows = await surveys.values_list("id", "audience_mode", "audience_rule", "audience_segment_id")
    if not rows:
        return found
    audiences = [Audience(rule, segment) for _, _, rule, segment in rows]
    keyed = [
        (survey, _explicit(survey) if mode == AudienceMode.EXPLICIT else condition)
        for (survey, mode, _, _), condition in zip(
            rows, await conditions(audiences, now), strict=True
        )
    ]
    return await holders(member_ids, keyed)
