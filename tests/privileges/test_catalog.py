"""Defining privileges: typed errors, who may define and see them, stock changes."""

from datetime import UTC, datetime, timedelta

from koc.auth.models import StaffRole
from tests.conftest import gid
from tests.privileges.factories import (
    PRIVILEGE_CREATE,
    create_privilege,
    grant,
    redeem,
    update_privilege,
)

LIST = "query($all: Boolean!) { privileges(includeInactive: $all, first: 50) { totalCount edges { node { code active } } } }"


async def _errors(staff, **input):
    values = {"code": "SOME_PRIVILEGE", "name": "Some", "kind": "GIFT", **input}
    payload = (await staff.execute(PRIVILEGE_CREATE, {"input": values}))["privilegeCreate"]
    assert payload["privilege"] is None
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def test_bad_privileges_are_refused_field_by_field(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    now = datetime.now(UTC)

    assert await _errors(staff, code="bad code") == [("code", "INVALID")]
    assert await _errors(staff, kind="EVENT") == [("totalStock", "INVALID")]
    assert await _errors(staff, totalStock=-1) == [("totalStock", "INVALID")]
    assert await _errors(staff, quota=0) == [("quota", "INVALID")]
    assert await _errors(
        staff, startsAt=now.isoformat(), endsAt=(now - timedelta(days=1)).isoformat()
    ) == [("endsAt", "INVALID")]
    # an audience naming what does not exist, or malformed, is refused where it is wrong
    stage = {"stage": {"in": ["NO_SUCH_STAGE"]}}
    assert await _errors(
        staff, audience={"rule": {"any": [{"koc": {"statuses": ["ACTIVE"]}}, stage]}}
    ) == [("audience.rule.any[1].stage.in", "NOT_FOUND")]
    assert await _errors(staff, audience={"rule": {"badges": {"any": ["NO_SUCH_BADGE"]}}}) == [
        ("audience.rule.badges.any", "NOT_FOUND")
    ]
    assert await _errors(staff, audience={"rule": {"tags": {"any": [gid("Tag", 99999)]}}}) == [
        ("audience.rule.tags.any", "NOT_FOUND")
    ]
    assert await _errors(staff, audience={"rule": {"tags": {"any": [gid("Member", 1)]}}}) == [
        ("audience.rule.tags.any", "INVALID")
    ]
    assert await _errors(staff, audience={"rule": {"orders": {"countAtLeast": 0}}}) == [
        ("audience.rule.orders.countAtLeast", "INVALID_RULE")
    ]
    assert await _errors(staff, audience={"segmentId": gid("Segment", 99999)}) == [
        ("audience.segmentId", "NOT_FOUND")
    ]
    assert await _errors(staff, audience={}) == [("audience", "INVALID")]
    assert (await staff.execute(LIST, {"all": True}))["privileges"]["totalCount"] == 0


async def test_codes_are_unique(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_privilege(staff, code="LIFETIME_SERVICE")

    assert await _errors(staff, code="LIFETIME_SERVICE") == [("code", "DUPLICATE")]


async def test_members_see_the_active_catalog_staff_see_all(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_privilege(staff, code="ON_SHELF")
    off = (await create_privilege(staff, code="OFF_SHELF"))["privilege"]
    await update_privilege(staff, id=off["id"], active=False)
    member = await member_client()

    staff_view = (await staff.execute(LIST, {"all": True}))["privileges"]
    member_view = (await member.execute(LIST, {"all": True}))["privileges"]

    assert {e["node"]["code"] for e in staff_view["edges"]} == {"ON_SHELF", "OFF_SHELF"}
    assert [e["node"]["code"] for e in member_view["edges"]] == ["ON_SHELF"]


async def test_stock_can_grow_but_not_below_what_is_used(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    privilege = (await create_privilege(staff, totalStock=2))["privilege"]
    member = await member_client()
    await grant(staff, member, privilege["id"])
    await redeem(member, privilegeId=privilege["id"], idempotencyKey="k")

    grown = await update_privilege(staff, id=privilege["id"], totalStock=10)
    too_low = await update_privilege(staff, id=privilege["id"], totalStock=0)
    unlimited = await update_privilege(staff, id=privilege["id"], totalStock=None)

    assert (grown["privilege"]["totalStock"], grown["privilege"]["remainingStock"]) == (10, 9)
    assert [(e["field"], e["code"]) for e in too_low["errors"]] == [("totalStock", "INVALID")]
    assert unlimited["privilege"]["remainingStock"] is None


async def test_only_operators_define_and_analysts_read_reports(
    staff_client, member_client, partner_client
):
    input = {"input": {"code": "NOPE", "name": "Nope", "kind": "GIFT"}}
    report = "{ privilegeReport { rows { grantsActive } } }"
    analyst = await staff_client(StaffRole.ANALYST)
    member = await member_client()
    pos = await partner_client(["privileges:redeem"])

    for caller in (analyst, member, pos):
        assert (await caller.errors(PRIVILEGE_CREATE, input))[0]["extensions"][
            "code"
        ] == "FORBIDDEN"
    for caller in (member, pos):
        assert (await caller.errors(report))[0]["extensions"]["code"] == "FORBIDDEN"
    assert (await analyst.execute(report))["privilegeReport"] == {"rows": []}
