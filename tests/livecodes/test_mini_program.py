"""A MINI_PROGRAM code redirects to a WeChat URL Link opening its page with the code as the
scene; the link comes from the real client against the fake WeChat server, and is kept until
shortly before it lapses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from koc.auth.models import StaffRole
from koc.livecodes.models import LiveCode, LiveCodeScanCount
from tests.livecodes.helpers import create_code

PHONE = {"User-Agent": "Mozilla/5.0 (iPhone)"}


async def test_a_scan_redirects_to_a_url_link_with_the_codes_scene(
    http, staff_client, wechat_server
):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_code(staff, slug="app-home", kind="MINI_PROGRAM", page="pages/index/index")
    # when someone scans it twice
    first = await http.get("/c/app-home", headers=PHONE)
    second = await http.get("/c/app-home", headers=PHONE)
    # then both are sent to one URL Link, generated once, opening the page with the scene
    assert first.status_code == 302
    assert first.headers["location"] == second.headers["location"] == "https://wxaurl.cn/LINK1"
    assert wechat_server.state.url_links == [
        {
            "path": "pages/index/index",
            "query": "scene=lc-app-home",
            "expire_type": 1,
            "expire_interval": 30,
        }
    ]
    assert (await LiveCodeScanCount.get()).scans == 2
    listed = await staff.execute("{ liveCodes { edges { node { urlLink } } } }")
    assert listed["liveCodes"]["edges"][0]["node"]["urlLink"] == "https://wxaurl.cn/LINK1"


async def test_a_link_about_to_lapse_is_renewed(http, staff_client, wechat_server):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_code(staff, slug="app-home", kind="MINI_PROGRAM", page="pages/index/index")
    await http.get("/c/app-home", headers=PHONE)
    await LiveCode.filter(slug="app-home").update(
        url_link_expires_at=datetime.now(UTC) + timedelta(hours=12)
    )
    renewed = await http.get("/c/app-home", headers=PHONE)
    assert renewed.headers["location"] == "https://wxaurl.cn/LINK2"


async def test_wechat_down_gives_a_retry_page_not_an_error(http, staff_client, wechat_server):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_code(staff, slug="app-home", kind="MINI_PROGRAM", page="pages/index/index")
    wechat_server.state.broken = True
    page = await http.get("/c/app-home", headers=PHONE)
    assert page.status_code == 503 and page.headers["retry-after"] == "30"
    assert (await LiveCode.get()).url_link == ""


REFRESH = """mutation($id: ID!) { liveCodeLinksRefresh(id: $id) {
  liveCode { urlLink urlScheme urlLinkExpiresAt } errors { field code message } } }"""


async def test_staff_make_the_links_now_and_see_wechats_refusal(staff_client, wechat_server):
    staff = await staff_client(StaffRole.OPERATOR)
    code = await create_code(staff, slug="app-home", kind="MINI_PROGRAM", page="pages/index/index")
    data = await staff.execute(REFRESH, {"id": code["id"]})
    links = data["liveCodeLinksRefresh"]["liveCode"]
    assert links["urlLink"] == "https://wxaurl.cn/LINK1"
    assert links["urlScheme"] == "weixin://dl/business/?t=SCHEME1"
    assert links["urlLinkExpiresAt"] is not None
    assert wechat_server.state.url_schemes == [
        {
            "jump_wxa": {"path": "pages/index/index", "query": "scene=lc-app-home"},
            "is_expire": True,
            "expire_type": 1,
            "expire_interval": 30,
        }
    ]
    # WeChat unreachable: a typed payload error, the links kept
    wechat_server.state.broken = True
    failed = await staff.execute(REFRESH, {"id": code["id"]})
    assert failed["liveCodeLinksRefresh"]["errors"][0]["code"] == "WECHAT_ERROR"
    assert (await LiveCode.get()).url_link == "https://wxaurl.cn/LINK1"
    # a GROUP code has no links
    group = await create_code(staff)
    wrong = await staff.execute(REFRESH, {"id": group["id"]})
    assert wrong["liveCodeLinksRefresh"]["errors"][0]["code"] == "WRONG_KIND"
