"""Staff create and change live codes and their group targets; bad input is a typed error."""

from __future__ import annotations

import base64

from strawberry.relay import from_base64

from koc.audit.models import AuditEntry
from koc.auth.models import StaffRole
from koc.livecodes.models import LiveCode
from tests.conftest import gid
from tests.livecodes.helpers import (
    ADD_TARGET,
    CREATE,
    UPDATE_TARGET,
    add_target,
    create_code,
    in_days,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
UPDATE = """mutation($input: LiveCodeUpdateInput!) {
  liveCodeUpdate(input: $input) {
    liveCode { id name channel tagIds ownerMemberId active }
    errors { field code message }
  }
}"""
LIST = """query($kind: LiveCodeKind) { liveCodes(kind: $kind, first: 10) { totalCount
  edges { node { slug kind targets { label served usable } } } } }"""


async def test_staff_create_a_group_code_with_its_urls(staff_client):
    # given an operator
    staff = await staff_client(StaffRole.OPERATOR)
    # when they create a GROUP code
    code = await create_code(staff)
    # then it has its permanent URL, QR images and scene
    assert code["url"] == "http://koc.test/c/spring-poster"
    assert code["qrPngUrl"] == "http://koc.test/c/spring-poster/qr.png"
    assert code["qrSvgUrl"] == "http://koc.test/c/spring-poster/qr.svg"
    assert code["scene"] == "lc-spring-poster"
    assert code["kind"] == "GROUP" and code["active"] is True
    # and the creation is audited
    assert await AuditEntry.filter(action="live_code.create").count() == 1


async def test_a_slug_is_unique_and_well_formed(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_code(staff)
    base = {"name": "x", "kind": "GROUP", "channel": "poster"}
    taken = await staff.execute(CREATE, {"input": {**base, "slug": "spring-poster"}})
    assert taken["liveCodeCreate"]["errors"][0]["code"] == "SLUG_TAKEN"
    for slug in ("ab", "Spring", "has space", "a" * 28):
        bad = await staff.execute(CREATE, {"input": {**base, "slug": slug}})
        assert bad["liveCodeCreate"]["errors"][0] == {
            "field": "slug",
            "code": "INVALID",
            "message": bad["liveCodeCreate"]["errors"][0]["message"],
        }, slug
    assert await LiveCode.all().count() == 1  # nothing half-written


async def test_references_must_exist(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    missing_tag = await staff.execute(
        CREATE,
        {
            "input": {
                "slug": "abc",
                "name": "x",
                "kind": "GROUP",
                "channel": "poster",
                "tagIds": [gid("Tag", 999)],
            }
        },
    )
    assert missing_tag["liveCodeCreate"]["errors"][0]["code"] == "NOT_FOUND"
    missing_owner = await staff.execute(
        CREATE,
        {
            "input": {
                "slug": "abc",
                "name": "x",
                "kind": "GROUP",
                "channel": "poster",
                "ownerMemberId": gid("Member", 999),
            }
        },
    )
    assert missing_owner["liveCodeCreate"]["errors"][0]["field"] == "ownerMemberId"
    no_page = await staff.execute(
        CREATE, {"input": {"slug": "abc", "name": "x", "kind": "MINI_PROGRAM", "channel": "poster"}}
    )
    assert no_page["liveCodeCreate"]["errors"][0]["field"] == "page"


async def test_update_changes_what_it_names_and_keeps_the_slug(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    koc = await member_client()
    code = await create_code(staff)
    data = await staff.execute(
        UPDATE,
        {
            "input": {
                "id": code["id"],
                "name": "Summer",
                "ownerMemberId": koc.member_gid,
                "active": False,
            }
        },
    )
    updated = data["liveCodeUpdate"]["liveCode"]
    assert updated["name"] == "Summer" and updated["active"] is False
    assert updated["ownerMemberId"] == koc.member_gid
    cleared = await staff.execute(UPDATE, {"input": {"id": code["id"], "ownerMemberId": None}})
    assert cleared["liveCodeUpdate"]["liveCode"]["ownerMemberId"] is None


async def test_targets_are_served_in_order_and_validated(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    code = await create_code(staff)
    first = await add_target(staff, code["id"], label="Group 1", capacity=2)
    second = await add_target(
        staff, code["id"], label="Group 2", imageUrl="", imageBase64=base64.b64encode(PNG).decode()
    )
    assert (first["position"], second["position"]) == (1, 2)
    pk = from_base64(second["id"])[1]
    assert second["imageUrl"] == f"http://koc.test/c/spring-poster/t/{pk}"
    # refusals name the field
    cases = [
        ({"capacity": 0}, "capacity"),
        ({"expiresAt": in_days(-1)}, "expiresAt"),
        ({"imageUrl": "ftp://x"}, "imageUrl"),
        ({"imageUrl": "", "imageBase64": "not base64!"}, "imageBase64"),
        ({"imageUrl": "", "imageBase64": base64.b64encode(b"text").decode()}, "imageBase64"),
    ]
    for fields, field in cases:
        values = {"liveCodeId": code["id"], "expiresAt": in_days(7), "imageUrl": "https://i/x.png"}
        data = await staff.execute(ADD_TARGET, {"input": {**values, **fields}})
        assert data["liveCodeTargetAdd"]["errors"][0]["field"] == field, fields
    # a target is switched off and renewed
    data = await staff.execute(
        UPDATE_TARGET, {"input": {"id": first["id"], "active": False, "capacity": 300}}
    )
    assert data["liveCodeTargetUpdate"]["target"]["usable"] is False
    assert data["liveCodeTargetUpdate"]["target"]["capacity"] == 300


async def test_only_group_codes_have_targets(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    code = await create_code(staff, kind="MINI_PROGRAM", page="pages/index/index")
    data = await staff.execute(
        ADD_TARGET,
        {"input": {"liveCodeId": code["id"], "expiresAt": in_days(7), "imageUrl": "https://i/x"}},
    )
    assert data["liveCodeTargetAdd"]["errors"][0]["code"] == "WRONG_KIND"


async def test_analysts_list_codes_with_their_targets(staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    code = await create_code(operator)
    await add_target(operator, code["id"], label="G1")
    await create_code(operator, slug="app-page", kind="MINI_PROGRAM", page="pages/index/index")
    analyst = await staff_client(StaffRole.ANALYST)
    everything = await analyst.execute(LIST)
    assert everything["liveCodes"]["totalCount"] == 2
    groups = await analyst.execute(LIST, {"kind": "GROUP"})
    node = groups["liveCodes"]["edges"][0]["node"]
    assert node["slug"] == "spring-poster"
    assert node["targets"] == [{"label": "G1", "served": 0, "usable": True}]
