"""Audience targeting: a member outside a survey's audience can neither see nor answer it. The
audience is a rule of the segment language or a saved segment (or an explicit list)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from koc.auth.models import StaffRole, StaffUser
from koc.auth.viewer import StaffViewer
from koc.errors import DomainErrors
from koc.events import KocStatusChanged, publish
from koc.members.models import LifecycleStage, MemberTag, Tag, TagFamily, TagGroup, TagSource
from koc.surveys import rules, services
from koc.surveys.audience import open_surveys_of
from koc.surveys.models import QuestionKind, Survey, SurveyPurpose, SurveyStatus
from tests.conftest import gid, make_member
from tests.segments.factories import SEGMENT_UPDATE, create_segment
from tests.surveys.helpers import (
    CREATE,
    DRAFT_SAVE,
    MY_SURVEYS,
    ORDER_SCOPES,
    at,
    create_survey,
    full_answers,
    open_survey,
    record_order,
    respond,
    survey_input,
)


async def _sees(client, survey) -> bool:
    data = await client.execute(MY_SURVEYS)
    return survey["id"] in [e["node"]["id"] for e in data["me"]["surveys"]["edges"]]


async def _assert_outside(client, survey) -> None:
    """Not listed, not readable, not answerable, no draft."""
    assert not await _sees(client, survey)
    errors = await client.errors(
        "query($id: ID!) { survey(id: $id) { title } }", {"id": survey["id"]}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    errors = await client.errors(
        "query($id: ID!) { node(id: $id) { ... on Survey { title } } }", {"id": survey["id"]}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    payload = await respond(client, survey["id"], full_answers(survey))
    assert payload["errors"][0]["code"] == "NOT_IN_AUDIENCE"
    draft = await client.execute(DRAFT_SAVE, {"input": {"surveyId": survey["id"], "answers": []}})
    assert draft["surveyDraftSave"]["errors"][0]["code"] == "NOT_IN_AUDIENCE"


async def _assert_inside(client, survey) -> None:
    assert await _sees(client, survey)
    data = await client.execute(
        "query($id: ID!) { survey(id: $id) { title } }", {"id": survey["id"]}
    )
    assert data["survey"]["title"] == survey["title"]
    assert (await respond(client, survey["id"], full_answers(survey)))["errors"] == []


async def test_an_audience_by_stage(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff, audience={"rule": {"stage": {"in": ["CUSTOMER", "REPEAT"]}}})
    customer = await LifecycleStage.get(code="CUSTOMER")
    intent = await LifecycleStage.get(code="INTENT")
    await _assert_inside(await member_client(stage_id=customer.id), survey)
    await _assert_outside(await member_client(stage_id=intent.id), survey)
    await _assert_outside(await member_client(), survey)


async def test_an_audience_by_tag(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    group = await TagGroup.create(name="Needs", family=TagFamily.CONSUMPTION)
    tag = await Tag.create(group=group, name="family car")
    survey = await open_survey(staff, audience={"rule": {"tags": {"any": [gid("Tag", tag.id)]}}})
    tagged = await make_member()
    await MemberTag.create(member=tagged, tag=tag, source=TagSource.MANUAL)
    await _assert_inside(await member_client(tagged), survey)
    await _assert_outside(await member_client(), survey)


async def test_an_audience_by_koc_role_counts_active_profiles_only(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff, audience={"rule": {"koc": {"roles": ["CO_CREATION"]}}})
    co_creator, paused, content = await make_member(), await make_member(), await make_member()
    await publish(KocStatusChanged(member=co_creator, status="ACTIVE", roles=["CO_CREATION"]))
    await publish(KocStatusChanged(member=paused, status="ACTIVE", roles=["CO_CREATION"]))
    await publish(KocStatusChanged(member=paused, status="PAUSED", roles=["CO_CREATION"]))
    await publish(KocStatusChanged(member=content, status="ACTIVE", roles=["CONTENT"]))
    await _assert_inside(await member_client(co_creator), survey)
    await _assert_outside(await member_client(paused), survey)
    await _assert_outside(await member_client(content), survey)


async def test_an_audience_of_buyers_of_a_category_within_a_period(
    staff_client, member_client, partner_client
):
    staff = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client(ORDER_SCOPES)
    survey = await open_survey(
        staff,
        audience={
            "rule": {
                "orders": {
                    "categories": ["vehicle"],
                    "from": at(2024, 1, 1).isoformat(),
                    "to": at(2025, 1, 1).isoformat(),
                }
            }
        },
    )
    in_period, too_early, other_category = [await make_member() for _ in range(3)]
    await record_order(partner, in_period.id, "vehicle", at(2024, 6, 1))
    await record_order(partner, too_early.id, "vehicle", at(2023, 6, 1))
    await record_order(partner, other_category.id, "accessory", at(2024, 6, 1))
    await _assert_inside(await member_client(in_period), survey)
    await _assert_outside(await member_client(too_early), survey)
    await _assert_outside(await member_client(other_category), survey)


async def test_nested_rules_combine(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    customer = await LifecycleStage.get(code="CUSTOMER")
    rule = {"all": [{"stage": {"in": ["CUSTOMER"]}}, {"koc": {"roles": ["CONTENT"]}}]}
    survey = await open_survey(staff, audience={"rule": rule})
    both, stage_only = (
        await make_member(stage_id=customer.id),
        await make_member(stage_id=customer.id),
    )
    await publish(KocStatusChanged(member=both, status="ACTIVE", roles=["CONTENT"]))
    await _assert_inside(await member_client(both), survey)
    await _assert_outside(await member_client(stage_only), survey)


async def test_an_explicit_list(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    listed = await make_member()
    survey = await open_survey(staff, audience={"memberIds": [gid("Member", listed.id)]})
    await _assert_inside(await member_client(listed), survey)
    await _assert_outside(await member_client(), survey)


async def test_no_rules_means_every_member_and_drafts_are_invisible(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    draft = await create_survey(staff, title="Not yet")
    everyone = await open_survey(staff)
    member = await member_client()
    assert not await _sees(member, draft)
    await _assert_inside(member, everyone)


async def test_a_member_cannot_read_another_members_surveys(member_client):
    me, other = await member_client(), await member_client()
    errors = await me.errors(
        "query($id: ID!) { member(id: $id) { surveys { totalCount } } }", {"id": other.member_gid}
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_saved_segment_as_audience_follows_the_segment(staff_client, member_client):
    # given a survey whose audience is a saved segment of customers
    staff = await staff_client(StaffRole.OPERATOR)
    segment = await create_segment(staff, {"stage": {"in": ["CUSTOMER"]}}, name="Customers")
    survey = await open_survey(staff, audience={"segmentId": segment["id"]})
    customer = await LifecycleStage.get(code="CUSTOMER")
    intent = await LifecycleStage.get(code="INTENT")
    buyer, prospect = await make_member(stage_id=customer.id), await make_member(stage_id=intent.id)
    await _assert_outside(await member_client(prospect), survey)
    # when staff widen the segment, then the survey reaches its new members too
    widened = {"id": segment["id"], "rule": {"stage": {"in": ["CUSTOMER", "INTENT"]}}}
    data = await staff.execute(SEGMENT_UPDATE, {"input": widened})
    assert data["segmentUpdate"]["errors"] == []
    await _assert_inside(await member_client(prospect), survey)
    await _assert_inside(await member_client(buyer), survey)
    # and staff read the audience back as that segment
    shown = await staff.execute(
        "query($id: ID!) { survey(id: $id) { audience { mode rule segment { name } } } }",
        {"id": survey["id"]},
    )
    assert shown["survey"]["audience"] == {
        "mode": "RULES",
        "rule": None,
        "segment": {"name": "Customers"},
    }


async def test_a_segment_a_survey_uses_cannot_be_deleted(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    segment = await create_segment(staff, {"stage": {"in": ["CUSTOMER"]}}, name="In use")
    await open_survey(staff, audience={"segmentId": segment["id"]})
    data = await staff.execute(
        "mutation($id: ID!) { segmentDelete(id: $id) { errors { field code } } }",
        {"id": segment["id"]},
    )
    assert data["segmentDelete"]["errors"] == [{"field": "id", "code": "IN_USE"}]


async def test_a_bad_audience_is_refused_where_it_is_written(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    bad_rule = {
        "any": [
            {"stage": {"in": ["CUSTOMER"]}},
            {"events": {"kind": "TEST_DRIVE", "withinDays": 0}},
        ]
    }
    unknown_stage = {"stage": {"in": ["NOPE"]}}
    segment = await create_segment(staff, {"stage": {"in": ["CUSTOMER"]}}, name="Either")
    cases = [
        ({"rule": bad_rule}, "audience.rule.any[1].events.withinDays", "INVALID_RULE"),
        ({"rule": unknown_stage}, "audience.rule.stage.in", "NOT_FOUND"),
        ({"rule": unknown_stage, "segmentId": segment["id"]}, "audience", "INVALID"),
        ({"segmentId": gid("Segment", 99999)}, "audience.segmentId", "NOT_FOUND"),
    ]
    for audience, field, code in cases:
        data = await staff.execute(CREATE, {"input": survey_input(audience=audience)})
        errors = data["surveyCreate"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [(field, code)], audience


async def test_the_service_checks_the_audience_itself(app):
    # given a survey definition made without the GraphQL adapter (a script, a job), whose
    # audience is a saved segment that does not exist, or a rule naming an unknown stage
    staff = await StaffUser.create(username="script", password_hash="x", role=StaffRole.OPERATOR)
    actor = StaffViewer(staff_id=staff.id, username=staff.username, role=StaffRole.OPERATOR)
    question = rules.QuestionSpec(key="q", kind=QuestionKind.TEXT, prompt="Why?", max_length=500)
    cases = [
        (rules.AudienceSpec(segment_id=99999), "audience.segmentId"),
        (rules.AudienceSpec(rule={"stage": {"in": ["NOPE"]}}), "audience.rule.stage.in"),
    ]
    for audience, field in cases:
        spec = rules.SurveySpec(
            title="Scripted", purpose=SurveyPurpose.OTHER, questions=[question], audience=audience
        )
        # when it is created through the service
        with pytest.raises(DomainErrors) as refused:
            await services.create_survey(spec, actor=actor)
        # then it is refused at the field with a typed code, not a failed insert, and nothing
        # is written
        assert [(e.field, str(e.code.value)) for e in refused.value.errors] == [
            (field, "NOT_FOUND")
        ]
    assert await Survey.all().count() == 0


async def test_open_surveys_of_reads_open_and_unexpired_surveys_for_known_and_unknown_members(app):
    """The fixed statements behind the home screen's surveys: a survey for everyone is open
    to every existing member, until it closes (whatever the time zone of ``now``); an unknown
    member is in none unless the caller says it read the members (``known``)."""
    now = datetime.now(UTC)
    member = await make_member()

    async def survey(status: SurveyStatus, closes_at: datetime | None) -> int:
        made = await Survey.create(
            title="T", purpose=SurveyPurpose.OTHER, status=status, closes_at=closes_at
        )
        return made.id

    endless = await survey(SurveyStatus.OPEN, None)
    later = await survey(SurveyStatus.OPEN, now + timedelta(minutes=1))
    await survey(SurveyStatus.OPEN, now - timedelta(seconds=1))
    await survey(SurveyStatus.DRAFT, None)
    await survey(SurveyStatus.CLOSED, None)
    unknown = member.id + 1000
    east = now.astimezone(timezone(timedelta(hours=8)))
    for at_ in (now, east, now.replace(tzinfo=None)):
        found = await open_surveys_of([member.id, unknown], at_)
        assert found == {member.id: {endless, later}, unknown: set()}
    known = await open_surveys_of([member.id], now, known=True)
    assert known == {member.id: {endless, later}}
    assert await open_surveys_of([member.id], now + timedelta(minutes=2)) == {member.id: {endless}}
    assert await open_surveys_of([member.id], now, later) == {member.id: {later}}
