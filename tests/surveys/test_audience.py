"""Audience targeting: a member outside a survey's audience can neither see nor answer it."""

from __future__ import annotations

from koc.auth.models import StaffRole
from koc.events import KocStatusChanged, publish
from koc.members.models import LifecycleStage, MemberTag, Tag, TagFamily, TagGroup, TagSource
from tests.conftest import gid, make_member
from tests.surveys.helpers import (
    DRAFT_SAVE,
    MY_SURVEYS,
    ORDER_SCOPES,
    at,
    create_survey,
    full_answers,
    open_survey,
    record_order,
    respond,
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
    survey = await open_survey(staff, audience={"stages": ["CUSTOMER", "REPEAT"]})
    customer = await LifecycleStage.get(code="CUSTOMER")
    intent = await LifecycleStage.get(code="INTENT")
    await _assert_inside(await member_client(stage_id=customer.id), survey)
    await _assert_outside(await member_client(stage_id=intent.id), survey)
    await _assert_outside(await member_client(), survey)


async def test_an_audience_by_tag(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    group = await TagGroup.create(name="Needs", family=TagFamily.CONSUMPTION)
    tag = await Tag.create(group=group, name="family car")
    survey = await open_survey(staff, audience={"tagIds": [gid("Tag", tag.id)]})
    tagged = await make_member()
    await MemberTag.create(member=tagged, tag=tag, source=TagSource.MANUAL)
    await _assert_inside(await member_client(tagged), survey)
    await _assert_outside(await member_client(), survey)


async def test_an_audience_by_koc_role_counts_active_profiles_only(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(staff, audience={"kocRoles": ["CO_CREATION"]})
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
            "boughtCategories": ["vehicle"],
            "boughtFrom": at(2024, 1, 1).isoformat(),
            "boughtTo": at(2025, 1, 1).isoformat(),
        },
    )
    in_period, too_early, other_category = [await make_member() for _ in range(3)]
    await record_order(partner, in_period.id, "vehicle", at(2024, 6, 1))
    await record_order(partner, too_early.id, "vehicle", at(2023, 6, 1))
    await record_order(partner, other_category.id, "accessory", at(2024, 6, 1))
    await _assert_inside(await member_client(in_period), survey)
    await _assert_outside(await member_client(too_early), survey)
    await _assert_outside(await member_client(other_category), survey)


async def test_rule_kinds_combine_with_and(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    customer = await LifecycleStage.get(code="CUSTOMER")
    survey = await open_survey(staff, audience={"stages": ["CUSTOMER"], "kocRoles": ["CONTENT"]})
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
