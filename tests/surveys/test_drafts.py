"""Members save a draft and finish later."""

from __future__ import annotations

from koc.auth.models import StaffRole
from koc.surveys.models import SurveyResponse
from tests.surveys.helpers import (
    DRAFT_SAVE,
    UPDATE,
    by_key,
    full_answers,
    open_survey,
    question,
    respond,
    survey_input,
)

MY_DRAFT = """
query($id: ID!) { survey(id: $id) { myStatus myDraft { answers { questionId optionIds rating text } } } }
"""


async def test_a_member_saves_a_partial_draft_and_finishes_later(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    q = by_key(survey)
    status = await member.execute(MY_DRAFT, {"id": survey["id"]})
    assert status["survey"] == {"myStatus": "NOT_STARTED", "myDraft": None}
    # when they save only two answers (required ones missing)
    partial = [
        {"questionId": q["owned"]["id"], "optionIds": [q["owned"]["opt"]["no"]]},
        {"questionId": q["wish"]["id"], "text": "a charger at home"},
    ]
    saved = await member.execute(
        DRAFT_SAVE, {"input": {"surveyId": survey["id"], "answers": partial}}
    )
    assert saved["surveyDraftSave"]["errors"] == []
    # then the draft is kept and shown back, and nothing is a response yet
    data = await member.execute(MY_DRAFT, {"id": survey["id"]})
    assert data["survey"]["myStatus"] == "DRAFT"
    assert data["survey"]["myDraft"]["answers"] == [
        {
            "questionId": q["owned"]["id"],
            "optionIds": [q["owned"]["opt"]["no"]],
            "rating": None,
            "text": None,
        },
        {
            "questionId": q["wish"]["id"],
            "optionIds": None,
            "rating": None,
            "text": "a charger at home",
        },
    ]
    assert await SurveyResponse.all().count() == 0
    # when they submit in full, the draft is consumed
    assert (await respond(member, survey["id"], full_answers(survey)))["errors"] == []
    data = await member.execute(MY_DRAFT, {"id": survey["id"]})
    assert data["survey"] == {"myStatus": "RESPONDED", "myDraft": None}
    again = await member.execute(
        DRAFT_SAVE, {"input": {"surveyId": survey["id"], "answers": partial}}
    )
    assert again["surveyDraftSave"]["errors"][0]["code"] == "ALREADY_RESPONDED"


async def test_a_draft_checks_each_answer_it_holds(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    q = by_key(survey)
    bad = [{"questionId": q["satisfaction"]["id"], "rating": 9}]
    saved = await member.execute(DRAFT_SAVE, {"input": {"surveyId": survey["id"], "answers": bad}})
    assert saved["surveyDraftSave"]["errors"][0]["code"] == "RATING_OUT_OF_RANGE"
    data = await member.execute(MY_DRAFT, {"id": survey["id"]})
    assert data["survey"]["myStatus"] == "NOT_STARTED"


async def test_a_draft_carries_over_to_a_new_version_by_question_keys(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    q = by_key(survey)
    answers = [{"questionId": q["wish"]["id"], "text": "roof box"}]
    await member.execute(DRAFT_SAVE, {"input": {"surveyId": survey["id"], "answers": answers}})
    # staff add a question: version 2 with new question ids
    edited = survey_input(
        questions=[question("wish", "TEXT", maxLength=20), question("extra", "TEXT", maxLength=5)]
    )
    data = await staff.execute(UPDATE, {"input": {"id": survey["id"], **edited}})
    new_wish = by_key(data["surveyUpdate"]["survey"])["wish"]["id"]
    assert new_wish != q["wish"]["id"]
    draft = await member.execute(MY_DRAFT, {"id": survey["id"]})
    assert draft["survey"]["myDraft"]["answers"] == [
        {"questionId": new_wish, "optionIds": None, "rating": None, "text": "roof box"}
    ]
