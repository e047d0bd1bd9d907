"""Batch functions behind the surveys feature's DataLoaders (one SQL statement or two each)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from tortoise.functions import Count

from koc.graphql.loaders import by_key, group_by_key
from koc.graphql.relay import Children
from koc.rows import RowsByKey
from koc.surveys import rules
from koc.surveys.audience import open_surveys_of
from koc.surveys.models import (
    AudienceMode,
    Survey,
    SurveyAnswer,
    SurveyAudienceMember,
    SurveyCodebookRule,
    SurveyParticipation,
    SurveyPurpose,
    SurveyStatus,
    SurveyVersion,
)
from koc.surveys.services import load_questions_of_versions


class SurveyRow(NamedTuple):
    """What the Survey type reads of a survey."""

    id: int
    title: str
    introduction: str
    purpose: SurveyPurpose
    status: SurveyStatus
    anonymous: bool
    closes_at: datetime | None
    response_cap: int | None
    response_count: int
    audience_mode: AudienceMode
    audience_rule: dict[str, Any] | None
    audience_segment_id: int | None
    current_version_id: int | None
    created_at: datetime
    published_at: datetime | None
    closed_at: datetime | None


class TextAnswerRow(NamedTuple):
    id: int
    text: str | None
    question_id: int


SURVEYS = RowsByKey(Survey, SurveyRow, "id")
TEXT_ANSWERS = Children(
    SurveyAnswer, TextAnswerRow, parent="question_id", where='"text" IS NOT NULL'
)


async def load_surveys(ids: Sequence[int]) -> list[SurveyRow | None]:
    return by_key(await SURVEYS.fetch(ids), ids, lambda s: s.id)


async def load_versions(ids: Sequence[int]) -> list[SurveyVersion | None]:
    return by_key(await SurveyVersion.filter(id__in=list(ids)), ids, lambda v: v.id)


async def load_versions_of_surveys(survey_ids: Sequence[int]) -> list[list[SurveyVersion]]:
    rows = await SurveyVersion.filter(survey_id__in=list(survey_ids)).order_by("number")
    return group_by_key(rows, survey_ids, lambda v: v.survey_id)


async def load_questions(version_ids: Sequence[int]) -> list[list[rules.Question]]:
    return await load_questions_of_versions(version_ids)


async def load_codebook(option_ids: Sequence[int]) -> list[list[SurveyCodebookRule]]:
    rows = await SurveyCodebookRule.filter(option_id__in=list(option_ids)).order_by("id")
    return group_by_key(rows, option_ids, lambda r: r.option_id)


async def load_audience_member_counts(survey_ids: Sequence[int]) -> list[int]:
    rows = (
        await SurveyAudienceMember.filter(survey_id__in=list(survey_ids))
        .group_by("survey_id")
        .annotate(n=Count("id"))
        .values_list("survey_id", "n")
    )
    counts = dict(rows)
    return [counts.get(s, 0) for s in survey_ids]


async def load_participations(
    keys: Sequence[tuple[int, int]],
) -> list[SurveyParticipation | None]:
    """By (member id, survey id)."""
    member_ids = list({m for m, _ in keys})
    survey_ids = list({s for _, s in keys})
    rows = await SurveyParticipation.filter(member_id__in=member_ids, survey_id__in=survey_ids)
    return by_key(rows, keys, lambda p: (p.member_id, p.survey_id))


async def load_open_surveys_of_members(member_ids: Sequence[int]) -> list[set[int]]:
    """The open surveys whose audience holds each member (at most three statements). Every
    caller passes members it read in this request: the viewer (whose account was checked when
    the request was authenticated) or Member rows."""
    found = await open_surveys_of(member_ids, datetime.now(UTC), known=True)
    return [found[m] for m in member_ids]
