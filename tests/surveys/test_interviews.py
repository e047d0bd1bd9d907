"""Staff record a member's answers from a 1-on-1 interview."""

from __future__ import annotations

from koc.audit.models import AuditEntry
from koc.auth.models import StaffRole
from koc.members.models import LifecycleStage
from koc.surveys.models import ResponseChannel, SurveyResponse
from tests.conftest import make_member
from tests.surveys.helpers import INTERVIEW, full_answers, open_survey, respond


async def test_an_operator_records_an_interview_for_a_member(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR, username="li.lei")
    # the interview is with a buyer outside the survey's audience: staff choose whom to ask
    customer = await LifecycleStage.get(code="CUSTOMER")
    survey = await open_survey(staff, audience={"rule": {"stage": {"in": ["REPEAT"]}}})
    member = await make_member(stage_id=customer.id)
    data = await staff.execute(
        INTERVIEW,
        {
            "input": {
                "surveyId": survey["id"],
                "memberId": f"{(await member_client(member)).member_gid}",
                "answers": full_answers(survey),
                "notes": "Wants a wallbox before delivery.",
            }
        },
    )
    payload = data["surveyInterviewRecord"]
    assert payload["errors"] == []
    assert payload["response"]["channel"] == "INTERVIEW"
    response = await SurveyResponse.get()
    assert (response.member_id, response.channel) == (member.id, ResponseChannel.INTERVIEW)
    assert (response.interviewer_name, response.notes) == (
        "li.lei",
        "Wants a wallbox before delivery.",
    )
    assert response.interviewer_id == staff.staff_id
    assert await AuditEntry.filter(action="survey.interview_record").count() == 1


async def test_an_interviewed_member_cannot_answer_again(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    variables = {
        "input": {
            "surveyId": survey["id"],
            "memberId": member.member_gid,
            "answers": full_answers(survey),
            "interviewer": "Store manager Wang",
        }
    }
    assert (await staff.execute(INTERVIEW, variables))["surveyInterviewRecord"]["errors"] == []
    assert (await SurveyResponse.get()).interviewer_name == "Store manager Wang"
    again = await respond(member, survey["id"], full_answers(survey))
    assert again["errors"][0]["code"] == "ALREADY_RESPONDED"
    twice = await staff.execute(INTERVIEW, variables)
    assert twice["surveyInterviewRecord"]["errors"][0]["code"] == "ALREADY_RESPONDED"


async def test_interview_answers_are_checked_too(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    answers = full_answers(survey, satisfaction=0)
    data = await staff.execute(
        INTERVIEW,
        {"input": {"surveyId": survey["id"], "memberId": member.member_gid, "answers": answers}},
    )
    assert data["surveyInterviewRecord"]["errors"][0]["code"] == "RATING_OUT_OF_RANGE"
    unknown = await staff.execute(
        INTERVIEW,
        {
            "input": {
                "surveyId": survey["id"],
                "memberId": "TWVtYmVyOjk5OTk5",
                "answers": full_answers(survey),
            }
        },
    )
    assert unknown["surveyInterviewRecord"]["errors"][0]["code"] == "MEMBER_NOT_FOUND"
    assert await SurveyResponse.all().count() == 0


async def test_only_operators_record_interviews(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    variables = {"input": {"surveyId": survey["id"], "memberId": member.member_gid, "answers": []}}
    analyst = await staff_client(StaffRole.ANALYST)
    assert (await analyst.errors(INTERVIEW, variables))[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await member.errors(INTERVIEW, variables))[0]["extensions"]["code"] == "FORBIDDEN"
