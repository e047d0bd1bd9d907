"""Operations and small factories shared by the survey tests (all through the public API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from strawberry.relay import from_base64

from koc.auth.models import PartnerScope
from tests.conftest import GraphQLClient, gid

SURVEY_FIELDS = """
  id title status version anonymous responseCount
  questions {
    id key kind required minPicks maxPicks ratingMin ratingMax maxLength priceBands
    options { id key label }
    showIf { questionId optionIds ratingMin ratingMax }
  }
"""

CREATE = f"""
mutation($input: SurveyCreateInput!) {{
  surveyCreate(input: $input) {{
    survey {{ {SURVEY_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

UPDATE = f"""
mutation($input: SurveyUpdateInput!) {{
  surveyUpdate(input: $input) {{
    survey {{ {SURVEY_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

PUBLISH = """
mutation($id: ID!) {
  surveyPublish(input: {id: $id}) { survey { id status version } errors { field code message } }
}
"""

CLOSE = """
mutation($id: ID!) {
  surveyClose(input: {id: $id}) { survey { id status } errors { field code message } }
}
"""

RESPOND = """
mutation($input: SurveyRespondInput!) {
  surveyRespond(input: $input) {
    response { id version channel submittedAt }
    errors { field code message }
  }
}
"""

DRAFT_SAVE = """
mutation($input: SurveyDraftSaveInput!) {
  surveyDraftSave(input: $input) {
    draft { savedAt answers { questionId optionIds rating text
      categories { categoryId interest timing priceBand } } }
    errors { field code message }
  }
}
"""

INTERVIEW = """
mutation($input: SurveyInterviewRecordInput!) {
  surveyInterviewRecord(input: $input) {
    response { id version channel }
    errors { field code message }
  }
}
"""

MY_SURVEYS = """
{ me { surveys(first: 20) { totalCount edges { node { id title myStatus } } } } }
"""

RESULTS = """
query($id: ID!, $version: Int, $segment: SurveySegmentInput) {
  surveyResults(surveyId: $id, version: $version, segment: $segment) {
    version responseCount segment
    questions {
      question { key kind }
      respondentCount
      options { option { key } count share }
      rating { count average nps distribution { value count share } }
      textAnswers(first: 2) { totalCount edges { node { text } } pageInfo { hasNextPage endCursor } }
    }
    demand {
      question { key }
      category { key }
      segment respondentCount noneCount someCount strongCount someShare strongShare
      interestedShare beforePurchaseCount afterPurchaseCount timingUnknownCount
      beforePurchaseShare afterPurchaseShare
      priceBands { band count share }
    }
  }
}
"""

EXPORT = """
query($id: ID!, $version: Int) {
  surveyExport(surveyId: $id, version: $version) { filename contentType rowCount csv }
}
"""


def question(key: str, kind: str, prompt: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"key": key, "kind": kind, "prompt": prompt or f"Question {key}?", **extra}


def options(*keys: str, **codebook: Any) -> list[dict[str, Any]]:
    return [{"key": k, "label": k.replace("_", " ").title(), **codebook.get(k, {})} for k in keys]


CATEGORIES = ("charger", "insurance", "car_care")
BANDS = ["<1000", "1000-5000", ">5000"]


def every_kind_questions() -> list[dict[str, Any]]:
    """One question of each kind."""
    return [
        question("owned", "SINGLE_CHOICE", options=options("yes", "no"), required=True),
        question(
            "uses",
            "MULTIPLE_CHOICE",
            options=options("commute", "family", "travel", "work"),
            minPicks=1,
            maxPicks=2,
        ),
        question("satisfaction", "RATING", ratingScale="FIVE", required=True),
        question("recommend", "RATING", ratingScale="NPS"),
        question("wish", "TEXT", maxLength=20),
        question(
            "needs",
            "CATEGORY_INTEREST",
            options=options(*CATEGORIES),
            priceBands=BANDS,
        ),
    ]


def survey_input(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "What do owners need next?",
        "purpose": "CATEGORY_EXPANSION",
        "introduction": "Five minutes about your car and what goes with it.",
        "questions": every_kind_questions(),
        **overrides,
    }


async def create_survey(staff: GraphQLClient, **overrides: Any) -> dict[str, Any]:
    data = await staff.execute(CREATE, {"input": survey_input(**overrides)})
    payload = data["surveyCreate"]
    assert payload["errors"] == [], payload["errors"]
    return payload["survey"]


async def open_survey(staff: GraphQLClient, **overrides: Any) -> dict[str, Any]:
    survey = await create_survey(staff, **overrides)
    data = await staff.execute(PUBLISH, {"id": survey["id"]})
    assert data["surveyPublish"]["errors"] == []
    return survey


def by_key(survey: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Questions by key, each with its options by key under 'opt'."""
    found = {}
    for q in survey["questions"]:
        found[q["key"]] = {**q, "opt": {o["key"]: o["id"] for o in q["options"]}}
    return found


def full_answers(
    survey: dict[str, Any],
    *,
    owned: str = "yes",
    uses: tuple[str, ...] = ("commute",),
    satisfaction: int = 4,
    recommend: int | None = 9,
    wish: str | None = "more chargers",
    needs: dict[str, tuple[str, str | None, str | None]] | None = None,
) -> list[dict[str, Any]]:
    """Valid answers for every_kind_questions()."""
    q = by_key(survey)
    answers: list[dict[str, Any]] = [
        {"questionId": q["owned"]["id"], "optionIds": [q["owned"]["opt"][owned]]},
        {"questionId": q["uses"]["id"], "optionIds": [q["uses"]["opt"][u] for u in uses]},
        {"questionId": q["satisfaction"]["id"], "rating": satisfaction},
    ]
    if recommend is not None:
        answers.append({"questionId": q["recommend"]["id"], "rating": recommend})
    if wish is not None:
        answers.append({"questionId": q["wish"]["id"], "text": wish})
    needs = needs or {c: ("NONE", None, None) for c in CATEGORIES}
    answers.append(
        {
            "questionId": q["needs"]["id"],
            "categories": [
                {
                    "categoryId": q["needs"]["opt"][c],
                    "interest": interest,
                    "timing": timing,
                    "priceBand": band,
                }
                for c, (interest, timing, band) in needs.items()
            ],
        }
    )
    return answers


async def respond(
    member: GraphQLClient, survey_id: str, answers: list[dict[str, Any]]
) -> dict[str, Any]:
    data = await member.execute(RESPOND, {"input": {"surveyId": survey_id, "answers": answers}})
    return data["surveyRespond"]


async def record_order(
    partner: GraphQLClient, member_id: int, category: str, when: datetime
) -> None:
    data = await partner.execute(
        """mutation($input: OrderRecordInput!) {
             orderRecord(input: $input) { errors { code message } } }""",
        {
            "input": {
                "externalId": f"o-{member_id}-{category}-{int(when.timestamp())}",
                "member": {"memberId": gid("Member", member_id)},
                "amountCents": 100_00,
                "category": category,
                "occurredAt": when.isoformat(),
            }
        },
    )
    assert data["orderRecord"]["errors"] == []


ORDER_SCOPES = [PartnerScope.ORDERS_WRITE]


def pk(global_id: str) -> int:
    """The database id inside a global ID."""
    return int(from_base64(global_id)[1])


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)
