"""surveyResults on a small data set whose every figure was worked out by hand.

Four members answer every_kind_questions():

| member | stage     | KOC | tag "family" | bought vehicle | owned | uses            | sat | nps | wish     |
|--------|-----------|-----|--------------|----------------|-------|-----------------|-----|-----|----------|
| m1     | CUSTOMER  | yes | yes          | yes            | yes   | commute, family | 5   | 10  | wallbox  |
| m2     | CUSTOMER  | no  | no           | yes            | yes   | commute         | 4   | 9   | roof box |
| m3     | INTENT    | yes | yes          | no             | no    | travel          | 3   | 6   | tow bar  |
| m4     | (none)    | no  | yes          | no             | no    | commute, travel | 4   | -   | -        |

Category interest (interest / timing / price band):

| member | charger                   | insurance           | car_care |
|--------|---------------------------|---------------------|----------|
| m1     | STRONG / AFTER / >5000    | SOME / BEFORE / <1000 | NONE   |
| m2     | SOME / BEFORE / 1000-5000 | NONE                | NONE     |
| m3     | STRONG / AFTER / >5000    | NONE                | NONE     |
| m4     | NONE                      | SOME / - / -        | NONE     |
"""

from __future__ import annotations

from typing import Any

from koc.auth.models import StaffRole
from koc.events import KocStatusChanged, publish
from koc.members.models import LifecycleStage, MemberTag, Tag, TagFamily, TagGroup, TagSource
from tests.conftest import gid, make_member
from tests.surveys.helpers import (
    ORDER_SCOPES,
    RESULTS,
    at,
    full_answers,
    open_survey,
    record_order,
    respond,
)

AFTER, BEFORE = "AFTER_PURCHASE", "BEFORE_PURCHASE"


async def _answered_survey(staff_client, member_client, partner_client) -> tuple[Any, dict, Tag]:
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client(ORDER_SCOPES)
    survey = await open_survey(staff)
    group = await TagGroup.create(name="Household", family=TagFamily.SOCIAL)
    family = await Tag.create(group=group, name="family")
    intent = await LifecycleStage.get(code="INTENT")
    m1, m2 = await make_member(), await make_member()
    m3, m4 = await make_member(stage_id=intent.id), await make_member()
    for m in (m1, m2):
        await record_order(partner, m.id, "vehicle", at(2024, 3, 1))  # first order: CUSTOMER
    for m in (m1, m3):
        await publish(KocStatusChanged(member=m, status="ACTIVE", roles=["CO_CREATION"]))
    for m in (m1, m3, m4):
        await MemberTag.create(member=m, tag=family, source=TagSource.MANUAL)
    sheets = {
        m1: full_answers(
            survey,
            owned="yes",
            uses=("commute", "family"),
            satisfaction=5,
            recommend=10,
            wish="wallbox",
            needs={
                "charger": ("STRONG", AFTER, ">5000"),
                "insurance": ("SOME", BEFORE, "<1000"),
                "car_care": ("NONE", None, None),
            },
        ),
        m2: full_answers(
            survey,
            owned="yes",
            uses=("commute",),
            satisfaction=4,
            recommend=9,
            wish="roof box",
            needs={
                "charger": ("SOME", BEFORE, "1000-5000"),
                "insurance": ("NONE", None, None),
                "car_care": ("NONE", None, None),
            },
        ),
        m3: full_answers(
            survey,
            owned="no",
            uses=("travel",),
            satisfaction=3,
            recommend=6,
            wish="tow bar",
            needs={
                "charger": ("STRONG", AFTER, ">5000"),
                "insurance": ("NONE", None, None),
                "car_care": ("NONE", None, None),
            },
        ),
        m4: full_answers(
            survey,
            owned="no",
            uses=("commute", "travel"),
            satisfaction=4,
            recommend=None,
            wish=None,
            needs={
                "charger": ("NONE", None, None),
                "insurance": ("SOME", None, None),
                "car_care": ("NONE", None, None),
            },
        ),
    }
    for member, answers in sheets.items():
        assert (await respond(await member_client(member), survey["id"], answers))["errors"] == []
    analyst = await staff_client(StaffRole.ANALYST)
    return analyst, survey, family


def _row(demand: list[dict], category: str, segment: str | None) -> dict:
    [row] = [r for r in demand if r["category"]["key"] == category and r["segment"] == segment]
    return row


def _figures(row: dict) -> tuple:
    return (
        row["respondentCount"],
        row["noneCount"],
        row["someCount"],
        row["strongCount"],
        row["someShare"],
        row["strongShare"],
        row["interestedShare"],
        row["beforePurchaseCount"],
        row["afterPurchaseCount"],
        row["timingUnknownCount"],
        row["beforePurchaseShare"],
        row["afterPurchaseShare"],
        [(b["band"], b["count"], b["share"]) for b in row["priceBands"]],
    )


async def test_counts_shares_ratings_nps_and_text(staff_client, member_client, partner_client):
    analyst, survey, _ = await _answered_survey(staff_client, member_client, partner_client)
    data = await analyst.execute(RESULTS, {"id": survey["id"]})
    results = data["surveyResults"]
    assert (results["version"], results["responseCount"], results["segment"]) == (1, 4, None)
    q = {r["question"]["key"]: r for r in results["questions"]}
    assert [(o["option"]["key"], o["count"], o["share"]) for o in q["owned"]["options"]] == [
        ("yes", 2, 0.5),
        ("no", 2, 0.5),
    ]
    assert [(o["option"]["key"], o["count"], o["share"]) for o in q["uses"]["options"]] == [
        ("commute", 3, 0.75),
        ("family", 1, 0.25),
        ("travel", 2, 0.5),
        ("work", 0, 0.0),
    ]
    sat = q["satisfaction"]["rating"]
    assert (sat["count"], sat["average"], sat["nps"]) == (4, 4.0, None)
    assert [(d["value"], d["count"]) for d in sat["distribution"]] == [
        (1, 0),
        (2, 0),
        (3, 1),
        (4, 2),
        (5, 1),
    ]
    nps = q["recommend"]["rating"]
    assert (q["recommend"]["respondentCount"], nps["count"], nps["average"], nps["nps"]) == (
        3,
        3,
        8.3333,
        33.33,
    )
    assert len(nps["distribution"]) == 11
    texts = q["wish"]["textAnswers"]
    assert texts["totalCount"] == 3
    assert [e["node"]["text"] for e in texts["edges"]] == ["tow bar", "roof box"]
    assert texts["pageInfo"]["hasNextPage"] is True
    assert q["needs"]["respondentCount"] == 4


async def test_the_demand_table(staff_client, member_client, partner_client):
    analyst, survey, _ = await _answered_survey(staff_client, member_client, partner_client)
    demand = (await analyst.execute(RESULTS, {"id": survey["id"]}))["surveyResults"]["demand"]
    assert [(r["category"]["key"], r["segment"]) for r in demand] == [
        ("charger", None),
        ("insurance", None),
        ("car_care", None),
    ]
    assert _figures(_row(demand, "charger", None)) == (
        4,
        1,
        1,
        2,
        0.25,
        0.5,
        0.75,
        1,
        2,
        0,
        0.3333,
        0.6667,
        [("<1000", 0, 0.0), ("1000-5000", 1, 0.3333), (">5000", 2, 0.6667)],
    )
    assert _figures(_row(demand, "insurance", None)) == (
        4,
        2,
        2,
        0,
        0.5,
        0.0,
        0.5,
        1,
        0,
        1,
        0.5,
        0.0,
        [("<1000", 1, 1.0), ("1000-5000", 0, 0.0), (">5000", 0, 0.0)],
    )
    assert _figures(_row(demand, "car_care", None)) == (
        4,
        4,
        0,
        0,
        0.0,
        0.0,
        0.0,
        0,
        0,
        0,
        0.0,
        0.0,
        [("<1000", 0, 0.0), ("1000-5000", 0, 0.0), (">5000", 0, 0.0)],
    )


async def _split(analyst, survey, segment: dict, category: str) -> dict[str | None, tuple]:
    data = await analyst.execute(RESULTS, {"id": survey["id"], "segment": segment})
    assert data["surveyResults"]["segment"] == segment["kind"]
    rows = [r for r in data["surveyResults"]["demand"] if r["category"]["key"] == category]
    return {
        r["segment"]: (r["respondentCount"], r["noneCount"], r["someCount"], r["strongCount"])
        for r in rows
    }


async def test_the_demand_table_by_segment(staff_client, member_client, partner_client):
    analyst, survey, family = await _answered_survey(staff_client, member_client, partner_client)
    assert await _split(analyst, survey, {"kind": "STAGE"}, "charger") == {
        None: (4, 1, 1, 2),
        "CUSTOMER": (2, 0, 1, 1),
        "INTENT": (1, 0, 0, 1),
        "NO_STAGE": (1, 1, 0, 0),
    }
    assert await _split(analyst, survey, {"kind": "KOC"}, "charger") == {
        None: (4, 1, 1, 2),
        "KOC": (2, 0, 0, 2),
        "NOT_KOC": (2, 1, 1, 0),
    }
    assert await _split(
        analyst, survey, {"kind": "TAG", "tagId": gid("Tag", family.id)}, "charger"
    ) == {
        None: (4, 1, 1, 2),
        "WITH_TAG": (3, 1, 0, 2),
        "WITHOUT_TAG": (1, 0, 1, 0),
    }
    bought = {"kind": "BOUGHT_CATEGORY", "category": "vehicle"}
    assert await _split(analyst, survey, bought, "insurance") == {
        None: (4, 2, 2, 0),
        "BOUGHT": (2, 1, 1, 0),
        "NOT_BOUGHT": (2, 1, 1, 0),
    }
    data = await analyst.execute(RESULTS, {"id": survey["id"], "segment": {"kind": "KOC"}})
    koc = _row(data["surveyResults"]["demand"], "charger", "KOC")
    assert (koc["strongShare"], koc["afterPurchaseShare"]) == (1.0, 1.0)


async def test_segments_need_their_argument_and_a_named_survey(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    errors = await staff.errors(RESULTS, {"id": survey["id"], "segment": {"kind": "TAG"}})
    assert (errors[0]["extensions"]["code"], errors[0]["extensions"]["field"]) == (
        "BAD_USER_INPUT",
        "segment.tagId",
    )
    anonymous = await open_survey(staff, anonymous=True)
    errors = await staff.errors(RESULTS, {"id": anonymous["id"], "segment": {"kind": "KOC"}})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    errors = await staff.errors(RESULTS, {"id": survey["id"], "version": 7})
    assert errors[0]["extensions"]["field"] == "version"


async def test_results_are_for_analysts_not_members(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff)
    member = await member_client()
    errors = await member.errors(RESULTS, {"id": survey["id"]})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
