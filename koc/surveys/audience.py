"""Which open surveys members are in the audience of: a constant number of statements whatever
the number of surveys and members (the open surveys, the rules of their saved segments, then one
query over the members with a condition per survey).

A survey's audience is a rule of koc.segments' language or a saved segment (RULES mode, through
koc.members.audience), or an explicit list of members (EXPLICIT mode)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from tortoise.expressions import Q, Subquery

from koc.db import fetch
from koc.members.audience import Audience, conditions, holders
from koc.rows import row_maker, table_and_columns
from koc.surveys.models import AudienceMode, Survey, SurveyAudienceMember, SurveyStatus


class _OpenSurvey(NamedTuple):
    """What deciding a survey's audience reads of it."""

    id: int
    audience_mode: AudienceMode
    audience_rule: dict[str, Any] | None
    audience_segment_id: int | None


async def _open_surveys(now: datetime, survey_id: int | None) -> list[_OpenSurvey]:
    """The open surveys (or ``survey_id`` alone, if open) not closed at ``now``: one fixed
    statement, asked on every home screen (building it through the ORM cost more than running
    it)."""
    table, columns = table_and_columns(Survey, _OpenSurvey)
    sql = (
        f'SELECT {columns} FROM "{table}" WHERE "status" = ?'
        ' AND ("closes_at" IS NULL OR "closes_at" > ?)'
    )
    # as the ORM binds a time: in UTC (SQLite compares the text), a naive one taken as UTC
    at = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    params: list[Any] = [SurveyStatus.OPEN.value, at]
    if survey_id is not None:
        sql += ' AND "id" = ?'
        params.append(survey_id)
    make = row_maker(_OpenSurvey)
    return [make(row) for row in await fetch(sql, params)]


def _explicit(survey_id: int) -> Q:
    return Q(id__in=Subquery(SurveyAudienceMember.filter(survey_id=survey_id).values("member_id")))


async def open_surveys_for(member_id: int, now: datetime, survey_id: int | None = None) -> set[int]:
    """Ids of the open surveys (or of ``survey_id`` alone) whose audience holds the member."""
    return (await open_surveys_of([member_id], now, survey_id))[member_id]


async def open_surveys_of(
    member_ids: Sequence[int],
    now: datetime,
    survey_id: int | None = None,
    *,
    known: bool = False,
) -> dict[int, set[int]]:
    """Per member, the ids of the open surveys (or of ``survey_id`` alone) whose audience holds
    them (an empty set for a member in none, or unknown). ``known``: the caller has read these
    members in this request (``koc.members.audience.holders``)."""
    found: dict[int, set[int]] = {m: set() for m in member_ids}
    if not member_ids:
        return found
    rows = await _open_surveys(now, survey_id)
    if not rows:
        return found
    audiences = [Audience(rule, segment) for _, _, rule, segment in rows]
    keyed = [
        (survey, _explicit(survey) if mode == AudienceMode.EXPLICIT else condition)
        for (survey, mode, _, _), condition in zip(
            rows, await conditions(audiences, now), strict=True
        )
    ]
    return await holders(member_ids, keyed, known=known)
