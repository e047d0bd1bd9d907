"""surveyExport: responses as CSV, for analysts; anonymous surveys carry no member."""

from __future__ import annotations

import csv
import io

from koc.audit.models import AuditEntry
from koc.auth.models import StaffRole
from koc.surveys.models import SurveyResponse
from tests.surveys.helpers import EXPORT, INTERVIEW, full_answers, open_survey, question, respond


async def test_an_analyst_exports_responses_as_csv(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    answers = full_answers(
        survey,
        uses=("commute", "travel"),
        wish='"smart", quiet',
        needs={
            "charger": ("STRONG", "AFTER_PURCHASE", ">5000"),
            "insurance": ("NONE", None, None),
            "car_care": ("SOME", None, None),
        },
    )
    assert (await respond(member, survey["id"], answers))["errors"] == []
    interviewed = await member_client()
    await staff.execute(
        INTERVIEW,
        {
            "input": {
                "surveyId": survey["id"],
                "memberId": interviewed.member_gid,
                "answers": full_answers(survey, recommend=None, wish=None),
                "notes": "at the store",
            }
        },
    )
    analyst = await staff_client(StaffRole.ANALYST)
    data = (await analyst.execute(EXPORT, {"id": survey["id"]}))["surveyExport"]
    assert (data["contentType"], data["rowCount"]) == ("text/csv", 2)
    rows = list(csv.DictReader(io.StringIO(data["csv"])))
    first, second = rows
    assert first["member_id"] == str(member.member_id)
    assert (first["channel"], first["version"]) == ("MINI_PROGRAM", "1")
    assert first["owned"] == "Yes"
    assert first["uses"] == "Commute; Travel"
    assert (first["satisfaction"], first["recommend"]) == ("4", "9")
    assert first["wish"] == '"smart", quiet'
    assert (
        first["needs.charger.interest"],
        first["needs.charger.timing"],
        first["needs.charger.price_band"],
    ) == (
        "STRONG",
        "AFTER_PURCHASE",
        ">5000",
    )
    assert (first["needs.car_care.interest"], first["needs.car_care.timing"]) == ("SOME", "")
    assert (second["channel"], second["notes"], second["recommend"]) == (
        "INTERVIEW",
        "at the store",
        "",
    )
    assert await AuditEntry.filter(action="survey.export").count() == 1


async def test_an_anonymous_export_has_no_member_columns(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(
        staff, anonymous=True, questions=[question("wish", "TEXT", maxLength=50)]
    )
    member = await member_client()
    wish = survey["questions"][0]["id"]
    assert (await respond(member, survey["id"], [{"questionId": wish, "text": "a tow bar"}]))[
        "errors"
    ] == []
    data = (await staff.execute(EXPORT, {"id": survey["id"]}))["surveyExport"]
    header, *rows = list(csv.reader(io.StringIO(data["csv"])))
    assert header == ["response_id", "submitted_at", "channel", "version", "wish"]
    assert rows[0][-1] == "a tow bar"
    # and the stored response itself is not linked to the member
    assert (await SurveyResponse.get()).member_id is None


async def test_members_cannot_export(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    errors = await member.errors(EXPORT, {"id": survey["id"]})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
