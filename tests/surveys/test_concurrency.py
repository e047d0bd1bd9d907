"""Parallel answers: one per member, and never more than the cap (holds on PostgreSQL)."""

from __future__ import annotations

import asyncio

from koc.auth.models import StaffRole
from koc.surveys.models import Survey, SurveyResponse
from tests.surveys.helpers import full_answers, open_survey, pk, respond


async def test_parallel_answers_of_one_member_store_one(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    payloads = await asyncio.gather(
        *(respond(member, survey["id"], full_answers(survey)) for _ in range(5))
    )
    codes = sorted(p["errors"][0]["code"] if p["errors"] else "OK" for p in payloads)
    assert codes == ["ALREADY_RESPONDED"] * 4 + ["OK"]
    assert await SurveyResponse.all().count() == 1


async def test_parallel_answers_never_exceed_the_cap(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff, responseCap=2)
    members = [await member_client() for _ in range(6)]
    payloads = await asyncio.gather(
        *(respond(m, survey["id"], full_answers(survey)) for m in members)
    )
    ok = [p for p in payloads if not p["errors"]]
    assert len(ok) == 2
    assert {p["errors"][0]["code"] for p in payloads if p["errors"]} == {"RESPONSE_CAP_REACHED"}
    assert await SurveyResponse.all().count() == 2
    assert (await Survey.get(id=pk(survey["id"]))).response_count == 2
