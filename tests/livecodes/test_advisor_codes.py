"""ADVISOR codes: koc creates and updates the WeCom contact way through the real client
against the fake WeCom server; a refusal of WeCom writes nothing."""

from __future__ import annotations

from koc.auth.models import StaffRole
from koc.livecodes.models import LiveCode, LiveCodeAdvisor
from tests.conftest import gid
from tests.livecodes.helpers import CREATE, create_code

SET = """mutation($input: LiveCodeAdvisorsSetInput!) {
  liveCodeAdvisorsSet(input: $input) { liveCode { advisors { wecomUserid staffId } }
    errors { field code message } } }"""


async def test_an_advisor_code_creates_its_contact_way(http, staff_client, wecom_server):
    # given two advisors, one with a koc account
    staff = await staff_client(StaffRole.OPERATOR)
    advisor = await staff_client(StaffRole.OPERATOR)
    # when staff create an ADVISOR code over them
    code = await create_code(
        staff,
        slug="store-advisors",
        kind="ADVISOR",
        channel="store",
        advisors=[
            {"wecomUserid": "zhangsan", "staffId": gid("StaffUser", advisor.staff_id)},
            {"wecomUserid": "lisi"},
        ],
    )
    # then WeCom holds a QR contact way over both whose state names the code
    ((config_id, way),) = wecom_server.state.contact_ways.items()
    assert way["state"] == "lc-store-advisors" and way["user"] == ["zhangsan", "lisi"]
    assert way["type"] == 2 and way["scene"] == 2
    assert code["wecomConfigId"] == config_id
    assert code["wecomQrCode"] == f"https://wework.qpic.cn/wwpic/{config_id}/0"
    assert code["advisors"][0] == {
        "wecomUserid": "zhangsan",
        "staffId": gid("StaffUser", advisor.staff_id),
    }
    # and its page shows the contact QR to long-press
    page = await http.get("/c/store-advisors", headers={"User-Agent": "Mozilla/5.0"})
    assert code["wecomQrCode"] in page.text and "Long-press to add" in page.text
    # when the advisors change, the contact way changes first
    data = await staff.execute(
        SET, {"input": {"id": code["id"], "advisors": [{"wecomUserid": "wangwu"}]}}
    )
    assert data["liveCodeAdvisorsSet"]["errors"] == []
    assert wecom_server.state.contact_ways[config_id]["user"] == ["wangwu"]
    assert await LiveCodeAdvisor.all().values_list("wecom_userid", flat=True) == ["wangwu"]


async def test_wecom_refusing_writes_nothing(staff_client, wecom_server):
    staff = await staff_client(StaffRole.OPERATOR)
    wecom_server.state.users = {"zhangsan"}
    values = {"slug": "store-advisors", "name": "Store", "kind": "ADVISOR", "channel": "store"}
    data = await staff.execute(
        CREATE, {"input": {**values, "advisors": [{"wecomUserid": "nobody"}]}}
    )
    (error,) = data["liveCodeCreate"]["errors"]
    assert error["code"] == "WECHAT_ERROR" and "60111" in error["message"]
    assert await LiveCode.all().count() == 0 and wecom_server.state.contact_ways == {}
    wecom_server.state.broken = True
    down = await staff.execute(
        CREATE, {"input": {**values, "advisors": [{"wecomUserid": "zhangsan"}]}}
    )
    assert down["liveCodeCreate"]["errors"][0]["code"] == "WECHAT_ERROR"


async def test_advisors_are_validated(staff_client, wecom_server):
    staff = await staff_client(StaffRole.OPERATOR)
    values = {"slug": "store-advisors", "name": "Store", "kind": "ADVISOR", "channel": "store"}
    cases = [
        ([], "advisors"),
        ([{"wecomUserid": "bad id!"}], "advisors.0.wecomUserid"),
        ([{"wecomUserid": "a", "staffId": gid("StaffUser", 99999)}], "advisors"),
    ]
    for advisors, field in cases:
        data = await staff.execute(CREATE, {"input": {**values, "advisors": advisors}})
        assert data["liveCodeCreate"]["errors"][0]["field"] == field, advisors
    group = await staff.execute(
        CREATE,
        {"input": {**values, "kind": "GROUP", "advisors": [{"wecomUserid": "zhangsan"}]}},
    )
    assert group["liveCodeCreate"]["errors"][0]["code"] == "WRONG_KIND"
    assert wecom_server.state.contact_ways == {}
