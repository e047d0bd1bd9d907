"""Questions shown only when an earlier answer matches."""

from __future__ import annotations

from koc.auth.models import StaffRole
from koc.surveys.models import SurveyResponse
from tests.surveys.helpers import (
    CREATE,
    by_key,
    open_survey,
    options,
    question,
    respond,
    survey_input,
)

QUESTIONS = [
    question("owns_home", "SINGLE_CHOICE", options=options("house", "flat"), required=True),
    question(
        "parking",
        "TEXT",
        maxLength=100,
        required=True,
        showIf={"questionKey": "owns_home", "optionKeys": ["house"]},
    ),
    question("nps", "RATING", ratingScale="NPS", required=True),
    question(
        "why_low",
        "TEXT",
        maxLength=100,
        required=True,
        showIf={"questionKey": "nps", "ratingMax": 6},
    ),
]


async def test_a_follow_up_is_required_only_when_shown(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff, questions=QUESTIONS)
    q = by_key(survey)
    assert q["parking"]["showIf"] == {
        "questionId": q["owns_home"]["id"],
        "optionIds": [q["owns_home"]["opt"]["house"]],
        "ratingMin": None,
        "ratingMax": None,
    }
    house = {"questionId": q["owns_home"]["id"], "optionIds": [q["owns_home"]["opt"]["house"]]}
    flat = {"questionId": q["owns_home"]["id"], "optionIds": [q["owns_home"]["opt"]["flat"]]}
    happy = {"questionId": q["nps"]["id"], "rating": 9}
    unhappy = {"questionId": q["nps"]["id"], "rating": 3}
    # a house owner must say where they park; an unhappy one why
    member = await member_client()
    missing = await respond(member, survey["id"], [house, unhappy])
    assert [e["code"] for e in missing["errors"]] == ["MISSING_ANSWER", "MISSING_ANSWER"]
    # a flat owner is not asked, and may not answer the hidden question
    hidden = await respond(
        member, survey["id"], [flat, happy, {"questionId": q["parking"]["id"], "text": "street"}]
    )
    assert [(e["code"], e["field"]) for e in hidden["errors"]] == [
        ("HIDDEN_QUESTION", "answers[2].questionId")
    ]
    assert await SurveyResponse.all().count() == 0
    assert (await respond(member, survey["id"], [flat, happy]))["errors"] == []
    other = await member_client()
    complete = [
        house,
        {"questionId": q["parking"]["id"], "text": "garage"},
        unhappy,
        {"questionId": q["why_low"]["id"], "text": "slow service"},
    ]
    assert (await respond(other, survey["id"], complete))["errors"] == []


async def test_a_condition_must_point_at_an_earlier_choice_or_rating(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    bad = [
        question("a", "TEXT", maxLength=5, showIf={"questionKey": "b", "optionKeys": ["x"]}),
        question("b", "SINGLE_CHOICE", options=options("x")),
        question("c", "TEXT", maxLength=5, showIf={"questionKey": "a"}),
        question("d", "TEXT", maxLength=5, showIf={"questionKey": "b", "optionKeys": ["nope"]}),
    ]
    data = await staff.execute(CREATE, {"input": survey_input(questions=bad)})
    assert [e["field"] for e in data["surveyCreate"]["errors"]] == [
        "questions[0].showIf.questionKey",
        "questions[2].showIf.questionKey",
        "questions[3].showIf.optionKeys",
    ]
