"""Members answer a survey once; every answer is checked and a bad one stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from koc.auth.models import StaffRole
from koc.events import SurveyResponded
from koc.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyAnswerPick,
    SurveyCategoryAnswer,
    SurveyResponse,
)
from tests.events_spy import published
from tests.surveys.helpers import by_key, full_answers, open_survey, pk, respond


async def test_a_member_answers_every_question_kind(staff_client, member_client):
    # given an open survey with every kind of question
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    # when the member answers
    payload = await respond(
        member,
        survey["id"],
        full_answers(
            survey,
            uses=("commute", "family"),
            needs={
                "charger": ("STRONG", "AFTER_PURCHASE", ">5000"),
                "insurance": ("SOME", "BEFORE_PURCHASE", None),
                "car_care": ("NONE", None, None),
            },
        ),
    )
    # then one response is stored with one row per fact
    assert payload["errors"] == []
    assert payload["response"]["version"] == 1
    assert payload["response"]["channel"] == "MINI_PROGRAM"
    response = await SurveyResponse.get()
    assert response.member_id == member.member_id
    assert await SurveyAnswer.filter(response_id=response.id).count() == 6
    assert await SurveyAnswerPick.filter(response_id=response.id).count() == 3
    rows = await SurveyCategoryAnswer.filter(response_id=response.id).order_by("option_id")
    assert [(r.interest.value, r.timing and r.timing.value, r.price_band) for r in rows] == [
        ("STRONG", "AFTER_PURCHASE", 2),
        ("SOME", "BEFORE_PURCHASE", None),
        ("NONE", None, None),
    ]
    assert (await Survey.get()).response_count == 1


async def test_every_validation_error_is_typed_and_stores_nothing(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    other = await open_survey(staff, title="Another")
    member = await member_client()
    q = by_key(survey)
    foreign_option = by_key(other)["owned"]["opt"]["yes"]
    valid = full_answers(survey)

    def replace(key: str, answer: dict) -> list[dict]:
        return [
            a if a["questionId"] != q[key]["id"] else {"questionId": q[key]["id"], **answer}
            for a in valid
        ]

    cases = {
        "MISSING_ANSWER": [a for a in valid if a["questionId"] != q["satisfaction"]["id"]],
        "TOO_MANY_PICKS": replace("uses", {"optionIds": list(q["uses"]["opt"].values())[:3]}),
        "OPTION_NOT_IN_QUESTION": replace("owned", {"optionIds": [foreign_option]}),
        "RATING_OUT_OF_RANGE": replace("satisfaction", {"rating": 6}),
        "TEXT_TOO_LONG": replace("wish", {"text": "x" * 21}),
        "INVALID_ANSWER": replace("wish", {"rating": 3}),
        "DUPLICATE_ANSWER": [*valid, valid[0]],
        "QUESTION_NOT_IN_SURVEY": [
            *valid,
            {"questionId": by_key(other)["wish"]["id"], "text": "x"},
        ],
    }
    for code, answers in cases.items():
        payload = await respond(member, survey["id"], answers)
        assert [e["code"] for e in payload["errors"]] == [code], (code, payload["errors"])
        assert payload["response"] is None
    # nothing was stored by any of them, and the member can still answer
    assert await SurveyResponse.all().count() == 0
    assert await SurveyAnswer.all().count() == 0
    assert (await Survey.get(id=pk(survey["id"]))).response_count == 0
    assert (await respond(member, survey["id"], valid))["errors"] == []


async def test_a_member_answers_once(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    assert (await respond(member, survey["id"], full_answers(survey)))["errors"] == []
    again = await respond(member, survey["id"], full_answers(survey))
    assert again["errors"][0]["code"] == "ALREADY_RESPONDED"
    assert await SurveyResponse.all().count() == 1


async def test_the_response_cap_stops_answers(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff, responseCap=1)
    first, second = await member_client(), await member_client()
    assert (await respond(first, survey["id"], full_answers(survey)))["errors"] == []
    late = await respond(second, survey["id"], full_answers(survey))
    assert late["errors"][0]["code"] == "RESPONSE_CAP_REACHED"
    assert await SurveyResponse.all().count() == 1


async def test_closed_and_expired_surveys_take_no_answers(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    closed = await open_survey(staff)
    await staff.execute(
        "mutation($id: ID!) { surveyClose(input: {id: $id}) { errors { code } } }",
        {"id": closed["id"]},
    )
    expiring = await open_survey(
        staff, closesAt=(datetime.now(UTC) + timedelta(hours=1)).isoformat()
    )
    await Survey.filter(id=pk(expiring["id"])).update(
        closes_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    member = await member_client()
    for survey in (closed, expiring):
        payload = await respond(member, survey["id"], full_answers(survey))
        assert payload["errors"][0]["code"] == "NOT_OPEN"
    status = await staff.execute(
        "query($id: ID!) { survey(id: $id) { status } }", {"id": expiring["id"]}
    )
    assert status["survey"]["status"] == "CLOSED"


async def test_answering_publishes_survey_responded(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    with published(SurveyResponded) as seen:
        payload = await respond(member, survey["id"], full_answers(survey))
    response = await SurveyResponse.get()
    assert payload["errors"] == []
    assert seen == [
        SurveyResponded(
            member_id=member.member_id, survey_id=response.survey_id, response_id=response.id
        )
    ]
