"""Staff build surveys with every question kind, publish and close them."""

from __future__ import annotations

from koc.auth.models import StaffRole
from koc.surveys.models import Survey
from tests.surveys.helpers import (
    CLOSE,
    CREATE,
    PUBLISH,
    UPDATE,
    create_survey,
    options,
    question,
    survey_input,
)


async def test_operator_builds_a_draft_with_every_question_kind(staff_client):
    # given an operator
    staff = await staff_client(StaffRole.OPERATOR)
    # when they create a survey with one question of each kind
    survey = await create_survey(staff)
    # then it is a draft at version 1 with every kind and its settings
    assert survey["status"] == "DRAFT"
    assert survey["version"] == 1
    kinds = {q["key"]: q for q in survey["questions"]}
    assert [q["kind"] for q in survey["questions"]] == [
        "SINGLE_CHOICE",
        "MULTIPLE_CHOICE",
        "RATING",
        "RATING",
        "TEXT",
        "CATEGORY_INTEREST",
    ]
    assert (kinds["uses"]["minPicks"], kinds["uses"]["maxPicks"]) == (1, 2)
    assert (kinds["satisfaction"]["ratingMin"], kinds["satisfaction"]["ratingMax"]) == (1, 5)
    assert (kinds["recommend"]["ratingMin"], kinds["recommend"]["ratingMax"]) == (0, 10)
    assert kinds["wish"]["maxLength"] == 20
    assert [o["key"] for o in kinds["needs"]["options"]] == ["charger", "insurance", "car_care"]
    assert kinds["needs"]["priceBands"] == ["<1000", "1000-5000", ">5000"]


async def test_publishing_opens_and_closing_closes(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await create_survey(staff)
    published = await staff.execute(PUBLISH, {"id": survey["id"]})
    assert published["surveyPublish"]["survey"]["status"] == "OPEN"
    again = await staff.execute(PUBLISH, {"id": survey["id"]})
    assert again["surveyPublish"]["errors"][0]["code"] == "NOT_DRAFT"
    closed = await staff.execute(CLOSE, {"id": survey["id"]})
    assert closed["surveyClose"]["survey"]["status"] == "CLOSED"
    closed_again = await staff.execute(CLOSE, {"id": survey["id"]})
    assert closed_again["surveyClose"]["errors"][0]["code"] == "NOT_OPEN"


async def test_a_survey_without_questions_cannot_be_published(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await create_survey(staff, questions=[])
    data = await staff.execute(PUBLISH, {"id": survey["id"]})
    assert data["surveyPublish"]["errors"][0]["code"] == "NO_QUESTIONS"


async def test_invalid_definitions_are_typed_errors_and_nothing_is_stored(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    bad = survey_input(
        title=" ",
        questions=[
            question("a", "SINGLE_CHOICE", options=[]),
            question("a", "TEXT"),
            question("b", "MULTIPLE_CHOICE", options=options("x", "y"), minPicks=2, maxPicks=1),
            question("c", "RATING"),
            question("d", "TEXT", maxLength=10, showIf={"questionKey": "zzz", "optionKeys": []}),
            question("e", "CATEGORY_INTEREST", options=options("p"), priceBands=["x", "x"]),
        ],
        responseCap=0,
    )
    data = await staff.execute(CREATE, {"input": bad})
    fields = {e["field"] for e in data["surveyCreate"]["errors"]}
    assert {
        "title",
        "responseCap",
        "questions[0].options",
        "questions[1].key",
        "questions[1].maxLength",
        "questions[2].maxPicks",
        "questions[3].ratingScale",
        "questions[4].showIf.questionKey",
        "questions[5].priceBands",
    } <= fields
    assert {e["code"] for e in data["surveyCreate"]["errors"]} == {"INVALID"}
    assert data["surveyCreate"]["survey"] is None
    assert await Survey.all().count() == 0


async def test_unknown_tags_and_stages_in_the_audience_are_refused(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    rule = {"all": [{"stage": {"in": ["NOPE"]}}, {"tags": {"any": ["VGFnOjk5OTk="]}}]}
    data = await staff.execute(CREATE, {"input": survey_input(audience={"rule": rule})})
    errors = [(e["field"], e["code"]) for e in data["surveyCreate"]["errors"]]
    assert errors == [("audience.rule.all[0].stage.in", "NOT_FOUND")]
    assert await Survey.all().count() == 0


async def test_editing_a_draft_changes_it_in_place(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await create_survey(staff)
    data = await staff.execute(
        UPDATE,
        {
            "input": {
                "id": survey["id"],
                **survey_input(title="Renamed", questions=[question("only", "TEXT", maxLength=5)]),
            }
        },
    )
    updated = data["surveyUpdate"]["survey"]
    assert updated["title"] == "Renamed"
    assert updated["version"] == 1
    assert [q["key"] for q in updated["questions"]] == ["only"]


async def test_only_operators_build_and_members_cannot(staff_client, member_client):
    analyst = await staff_client(StaffRole.ANALYST)
    errors = await analyst.errors(CREATE, {"input": survey_input()})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    member = await member_client()
    errors = await member.errors(CREATE, {"input": survey_input()})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
