"""Which open surveys members are in the audience of: one SQL statement whatever the number
of surveys and members, each rule kind an EXISTS served by an index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from koc.db import fetch

# RULES mode: a kind with no rule row does not restrict; a kind with rows needs one match.
# EXPLICIT mode: only the listed members.
_RULE_KIND = "(NOT EXISTS (SELECT 1 FROM survey_audience_rule r WHERE r.survey_id = s.id AND r.kind = '{kind}') OR EXISTS ({match}))"

_MATCHES = {
    "STAGE": (
        "SELECT 1 FROM survey_audience_rule r JOIN lifecycle_stage st ON st.code = r.value "
        "WHERE r.survey_id = s.id AND r.kind = 'STAGE' AND st.id = who.stage_id"
    ),
    "TAG": (
        "SELECT 1 FROM survey_audience_rule r JOIN member_tag mt ON mt.tag_id = r.tag_id "
        "WHERE r.survey_id = s.id AND r.kind = 'TAG' AND mt.member_id = who.id"
    ),
    "KOC_ROLE": (
        "SELECT 1 FROM survey_audience_rule r JOIN survey_koc_role k ON k.role = r.value "
        "WHERE r.survey_id = s.id AND r.kind = 'KOC_ROLE' AND k.member_id = who.id"
    ),
    "CATEGORY": (
        'SELECT 1 FROM survey_audience_rule r JOIN "order" o ON o.category = r.value '
        "WHERE r.survey_id = s.id AND r.kind = 'CATEGORY' AND o.member_id = who.id "
        "AND o.status <> 'REFUNDED' "
        "AND (s.bought_from IS NULL OR o.occurred_at >= s.bought_from) "
        "AND (s.bought_to IS NULL OR o.occurred_at < s.bought_to)"
    ),
}

# ``who`` is each member asked about, paired with every open survey.
_SQL = (
    "SELECT who.id, s.id FROM member who CROSS JOIN survey s WHERE who.id IN ({members}) "
    "AND s.status = 'OPEN' AND (s.closes_at IS NULL OR s.closes_at > ?) {only} AND ("
    "(s.audience_mode = 'EXPLICIT' AND EXISTS (SELECT 1 FROM survey_audience_member am "
    "WHERE am.survey_id = s.id AND am.member_id = who.id)) "
    "OR (s.audience_mode = 'RULES' AND "
    + " AND ".join(_RULE_KIND.format(kind=k, match=m) for k, m in _MATCHES.items())
    + "))"
)


async def open_surveys_for(member_id: int, now: datetime, survey_id: int | None = None) -> set[int]:
    """Ids of the open surveys (or of ``survey_id`` alone) whose audience holds the member."""
    return (await open_surveys_of([member_id], now, survey_id))[member_id]


async def open_surveys_of(
    member_ids: Sequence[int], now: datetime, survey_id: int | None = None
) -> dict[int, set[int]]:
    """Per member, the ids of the open surveys (or of ``survey_id`` alone) whose audience holds
    them (an empty set for a member in none, or unknown)."""
    params: list[object] = [*member_ids, now]
    only = ""
    if survey_id is not None:
        only = "AND s.id = ?"
        params.append(survey_id)
    found: dict[int, set[int]] = {m: set() for m in member_ids}
    if not member_ids:
        return found
    marks = ", ".join("?" for _ in member_ids)
    for member_id, survey in await fetch(_SQL.format(members=marks, only=only), params):
        found[member_id].add(survey)
    return found
