"""Codebook: answers map to tags on the respondent, recorded with the survey as their source."""

from __future__ import annotations

from koc.auth.models import StaffRole
from koc.consent.models import Purpose
from koc.members.models import MemberTag, Tag, TagFamily, TagGroup, TagSource
from tests.conftest import gid
from tests.consent.factories import decide
from tests.surveys.helpers import (
    CATEGORIES,
    CREATE,
    full_answers,
    open_survey,
    options,
    pk,
    question,
    respond,
    survey_input,
)


async def _tags() -> dict[str, Tag]:
    needs = await TagGroup.create(name="Needs", family=TagFamily.CONSUMPTION)
    owner = await TagGroup.create(name="Owner", family=TagFamily.TIER, exclusive=True)
    return {
        "charger": await Tag.create(group=needs, name="charger intent", member_visible=True),
        "care": await Tag.create(group=needs, name="car care lead"),
        "owner": await Tag.create(group=owner, name="owner"),
    }


def _codebook_questions(tags: dict[str, Tag]) -> list[dict]:
    questions = survey_input()["questions"]
    questions[0]["options"] = options("yes", "no", yes={"tagIds": [gid("Tag", tags["owner"].id)]})
    questions[5]["options"] = options(
        *CATEGORIES,
        charger={
            "interestTags": [{"interest": "STRONG", "tagIds": [gid("Tag", tags["charger"].id)]}]
        },
        car_care={
            "interestTags": [
                {"interest": "SOME", "tagIds": [gid("Tag", tags["care"].id)]},
                {"interest": "STRONG", "tagIds": [gid("Tag", tags["care"].id)]},
            ]
        },
    )
    return questions


async def test_answers_apply_the_codebook_tags(staff_client, member_client):
    # given STRONG interest in a charger maps to "charger intent", owning to "owner"
    staff = await staff_client(StaffRole.OPERATOR)
    tags = await _tags()
    survey = await open_survey(staff, questions=_codebook_questions(tags))
    member = await member_client()
    # when the member owns a car, wants a charger strongly and car care not at all
    payload = await respond(
        member,
        survey["id"],
        full_answers(
            survey,
            owned="yes",
            needs={
                "charger": ("STRONG", "AFTER_PURCHASE", None),
                "insurance": ("SOME", None, None),
                "car_care": ("NONE", None, None),
            },
        ),
    )
    assert payload["errors"] == []
    # then they hold exactly the earned tags, from the survey
    held = await MemberTag.filter(member_id=member.member_id).order_by("tag_id")
    assert [h.tag_id for h in held] == sorted([tags["charger"].id, tags["owner"].id])
    assert {h.source for h in held} == {TagSource.EVENT}
    assert {h.cause for h in held} == {f"survey:{pk(survey['id'])} What do owners need next?"}
    # and the member sees the member-visible one on their profile
    me = await member.execute("{ me { tags { tag { name } } } }")
    assert [t["tag"]["name"] for t in me["me"]["tags"]] == ["charger intent"]


async def test_a_member_who_says_no_earns_nothing(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    tags = await _tags()
    survey = await open_survey(staff, questions=_codebook_questions(tags))
    member = await member_client()
    assert (await respond(member, survey["id"], full_answers(survey, owned="no")))["errors"] == []
    assert await MemberTag.filter(member_id=member.member_id).count() == 0


async def test_a_member_who_withdrew_profiling_earns_no_tag(staff_client, member_client):
    # given a codebook, and a member who withdrew PROFILING (codebook tags profile them)
    staff = await staff_client(StaffRole.OPERATOR)
    tags = await _tags()
    survey = await open_survey(staff, questions=_codebook_questions(tags))
    member = await member_client()
    await decide(member.member_id, Purpose.PROFILING, granted=False)
    # when they give answers that earn tags
    needs = {c: ("NONE", None, None) for c in CATEGORIES} | {"charger": ("STRONG", None, None)}
    payload = await respond(member, survey["id"], full_answers(survey, owned="yes", needs=needs))
    # then their answers count, but no tag is put on them
    assert payload["errors"] == []
    assert await MemberTag.filter(member_id=member.member_id).count() == 0


async def test_staff_read_the_codebook(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    tags = await _tags()
    survey = await open_survey(staff, questions=_codebook_questions(tags))
    data = await staff.execute(
        """query($id: ID!) { survey(id: $id) { questions { key options { key
             codebook { interest tag { name } } } } } }""",
        {"id": survey["id"]},
    )
    needs = data["survey"]["questions"][5]["options"]
    assert needs[0]["codebook"] == [{"interest": "STRONG", "tag": {"name": "charger intent"}}]


async def test_an_anonymous_survey_cannot_tag_respondents(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    tags = await _tags()
    data = await staff.execute(
        CREATE, {"input": survey_input(anonymous=True, questions=_codebook_questions(tags))}
    )
    errors = data["surveyCreate"]["errors"]
    assert {e["field"] for e in errors} == {
        "questions[0].options[0]",
        "questions[5].options[0]",
        "questions[5].options[2]",
    }
    plain = survey_input(anonymous=True, questions=[question("a", "TEXT", maxLength=5)])
    assert (await staff.execute(CREATE, {"input": plain}))["surveyCreate"]["errors"] == []
