"""Publishing freezes questions; editing an open survey makes a new version."""

from __future__ import annotations

from koc.auth.models import StaffRole
from koc.surveys.models import SurveyResponse
from tests.surveys.helpers import (
    CLOSE,
    RESULTS,
    UPDATE,
    by_key,
    full_answers,
    open_survey,
    question,
    respond,
    survey_input,
)


async def test_editing_an_open_survey_makes_a_new_version(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    early = await member_client()
    assert (await respond(early, survey["id"], full_answers(survey)))["errors"] == []
    # when staff change the questions of the open survey
    v2_questions = [question("wish", "TEXT", maxLength=50, required=True)]
    data = await staff.execute(
        UPDATE, {"input": {"id": survey["id"], **survey_input(questions=v2_questions)}}
    )
    v2 = data["surveyUpdate"]["survey"]
    # then it is version 2 with the new questions
    assert (v2["version"], [q["key"] for q in v2["questions"]]) == (2, ["wish"])
    # an answer to the old questions is refused, answers to the new ones are kept as version 2
    late = await member_client()
    stale = await respond(late, survey["id"], full_answers(survey))
    assert stale["errors"][0]["code"] == "QUESTION_NOT_IN_SURVEY"
    fresh = await respond(
        late, survey["id"], [{"questionId": by_key(v2)["wish"]["id"], "text": "tow bar"}]
    )
    assert fresh["response"]["version"] == 2
    versions = sorted(await SurveyResponse.all().values_list("member_id", "version__number"))
    assert versions == sorted([(early.member_id, 1), (late.member_id, 2)])
    # results are per version
    v1 = await staff.execute(RESULTS, {"id": survey["id"], "version": 1})
    assert v1["surveyResults"]["responseCount"] == 1
    assert len(v1["surveyResults"]["questions"]) == 6
    current = await staff.execute(RESULTS, {"id": survey["id"]})
    assert (current["surveyResults"]["version"], current["surveyResults"]["responseCount"]) == (
        2,
        1,
    )


async def test_an_edit_that_keeps_the_questions_keeps_the_version(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    data = await staff.execute(
        UPDATE, {"input": {"id": survey["id"], **survey_input(title="Clearer title")}}
    )
    updated = data["surveyUpdate"]["survey"]
    assert (updated["title"], updated["version"]) == ("Clearer title", 1)
    assert updated["questions"] == survey["questions"]


async def test_published_surveys_keep_anonymity_and_closed_ones_cannot_change(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    data = await staff.execute(
        UPDATE, {"input": {"id": survey["id"], **survey_input(anonymous=True)}}
    )
    assert data["surveyUpdate"]["errors"][0]["field"] == "anonymous"
    await staff.execute(CLOSE, {"id": survey["id"]})
    data = await staff.execute(UPDATE, {"input": {"id": survey["id"], **survey_input()}})
    assert data["surveyUpdate"]["errors"][0]["code"] == "NOT_EDITABLE"


async def test_staff_see_the_version_history(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    await staff.execute(
        UPDATE,
        {
            "input": {
                "id": survey["id"],
                **survey_input(questions=[question("x", "TEXT", maxLength=3)]),
            }
        },
    )
    data = await staff.execute(
        "query($id: ID!) { survey(id: $id) { versions { number publishedAt } } }",
        {"id": survey["id"]},
    )
    versions = data["survey"]["versions"]
    assert [v["number"] for v in versions] == [1, 2]
    assert all(v["publishedAt"] for v in versions)
