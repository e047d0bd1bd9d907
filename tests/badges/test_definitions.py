"""Defining badges: typed errors for bad input, who may define them, who sees which."""

from koc.auth.models import StaffRole
from tests.badges.factories import BADGE_AWARD, BADGE_CREATE, BADGE_UPDATE, create_badge

LIST = "query($family: String) { badges(family: $family, first: 50) { totalCount edges { node { code level visible } } } }"


async def _create_errors(staff, **input):
    values = {"code": "SOME_BADGE", "name": "Some badge", **input}
    payload = (await staff.execute(BADGE_CREATE, {"input": values}))["badgeCreate"]
    assert payload["badge"] is None
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def test_bad_definitions_are_refused_field_by_field(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)

    assert await _create_errors(staff, code="lower case") == [("code", "INVALID")]
    assert await _create_errors(staff, name="") == [("name", "INVALID")]
    assert await _create_errors(staff, level=0) == [("level", "INVALID")]
    assert await _create_errors(staff, imageUrl="javascript:alert(1)") == [("imageUrl", "INVALID")]
    assert await _create_errors(staff, rule="REFERRALS_CONVERTED") == [("threshold", "INVALID")]
    assert await _create_errors(staff, rule="MANUAL", threshold=3) == [("threshold", "INVALID")]
    assert await _create_errors(staff, rule="EVENTS_ATTENDED", threshold=1, kocRole="X") == [
        ("kocRole", "INVALID")
    ]
    assert (await staff.execute(LIST))["badges"]["totalCount"] == 0


async def test_codes_and_family_levels_are_unique(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_badge(staff, code="AMB_BRONZE", family="Ambassador", level=1)

    assert await _create_errors(staff, code="AMB_BRONZE") == [("code", "DUPLICATE")]
    assert await _create_errors(staff, code="AMB_OTHER", family="Ambassador", level=1) == [
        ("level", "DUPLICATE")
    ]


async def test_families_list_by_level_and_hidden_badges_stay_hidden_from_members(
    staff_client, member_client
):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_badge(staff, code="AMB_GOLD", family="Ambassador", level=3)
    await create_badge(staff, code="AMB_BRONZE", family="Ambassador", level=1)
    await create_badge(staff, code="AMB_SECRET", family="Ambassador", level=9, visible=False)
    member = await member_client()

    staff_view = (await staff.execute(LIST, {"family": "Ambassador"}))["badges"]
    member_view = (await member.execute(LIST, {"family": "Ambassador"}))["badges"]

    assert [e["node"]["code"] for e in staff_view["edges"]] == [
        "AMB_BRONZE",
        "AMB_GOLD",
        "AMB_SECRET",
    ]
    assert [e["node"]["code"] for e in member_view["edges"]] == ["AMB_BRONZE", "AMB_GOLD"]
    assert member_view["totalCount"] == 2


async def test_a_hidden_badge_is_not_readable_by_id_until_held(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    hidden = (await create_badge(staff, visible=False))["badge"]
    member = await member_client()
    query = "query($id: ID!) { node(id: $id) { ... on Badge { code } } }"

    errors = await member.errors(query, {"id": hidden["id"]})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    await staff.execute(
        BADGE_AWARD,
        {"input": {"memberId": member.member_gid, "badgeId": hidden["id"], "reason": "Earned"}},
    )
    assert (await member.execute(query, {"id": hidden["id"]}))["node"]["code"] == hidden["code"]


async def test_updates_change_what_was_given_and_keep_the_code(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    badge = (await create_badge(staff, code="KEEP_ME", name="Old"))["badge"]

    payload = (
        await staff.execute(
            BADGE_UPDATE, {"input": {"id": badge["id"], "name": "New", "active": False}}
        )
    )["badgeUpdate"]
    bad = (
        await staff.execute(BADGE_UPDATE, {"input": {"id": badge["id"], "rule": "EVENTS_ATTENDED"}})
    )["badgeUpdate"]

    assert payload["badge"] == {
        **payload["badge"],
        "code": "KEEP_ME",
        "name": "New",
        "active": False,
    }
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("threshold", "INVALID")]


async def test_only_operators_define_badges(staff_client, member_client, anon_client):
    analyst = await staff_client(StaffRole.ANALYST)
    member = await member_client()
    input = {"input": {"code": "NOPE", "name": "Nope"}}

    for caller, code in (
        (analyst, "FORBIDDEN"),
        (member, "FORBIDDEN"),
        (anon_client, "UNAUTHENTICATED"),
    ):
        assert (await caller.errors(BADGE_CREATE, input))[0]["extensions"]["code"] == code
