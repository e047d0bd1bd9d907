"""The live code report: scans, arrivals, members created, referrals bound, arrivals who later
ordered and their revenue, per code and per channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from strawberry.relay import from_base64

from koc.auth.models import PartnerScope, StaffRole
from tests.livecodes.helpers import add_target, create_code
from tests.livecodes.test_login_arrivals import login
from tests.livecodes.test_wecom_callback import post
from tests.livecodes.wecom_sample import add_contact_event
from tests.referrals.helpers import record_order, refund

REPORT = """query($from: DateTime!, $to: DateTime!, $by: LiveCodeGroupBy!) {
  liveCodeReport(from: $from, to: $to, groupBy: $by) { currency
    totals { key scans arrivals membersCreated referralsBound membersOrdered revenueCents }
    rows { key channel liveCodeId scans arrivals membersCreated referralsBound membersOrdered
      revenueCents } } }"""


async def test_the_report_follows_arrivals_to_their_orders(
    http, staff_client, member_client, partner_client, wechat_server, wecom_server
):
    staff = await staff_client(StaffRole.OPERATOR)
    koc = await member_client()
    shop = await partner_client([PartnerScope.ORDERS_WRITE])
    # given a KOC's poster code scanned three times and a store advisor code
    poster = await create_code(staff, ownerMemberId=koc.member_gid)
    await add_target(staff, poster["id"])
    for _ in range(3):
        await http.get("/c/spring-poster", headers={"User-Agent": "Mozilla/5.0"})
    await create_code(
        staff,
        slug="store-advisors",
        kind="ADVISOR",
        channel="store",
        advisors=[{"wecomUserid": "zhangsan"}],
    )
    # and two people arriving through the poster, one through the store advisor
    one = await login(http, wechat_server, "c1", "o1", "lc-spring-poster")
    two = await login(http, wechat_server, "c2", "o2", "lc-spring-poster")
    wecom_server.state.contacts["wm-3"] = {"unionid": "union-3"}
    await post(http, add_contact_event("wm-3", "zhangsan", "lc-store-advisors"))
    # when the first orders three times (one partly, one fully refunded), the second not at all
    first_id = int(from_base64(one["member"]["id"])[1])
    await record_order(shop, first_id, 100_00)
    kept = await record_order(shop, first_id, 50_00)
    await refund(shop, kept["order"]["externalId"], 20_00)
    gone = await record_order(shop, first_id, 999_00)
    await refund(shop, gone["order"]["externalId"])
    assert two["created"]
    # then the report per code says so
    now = datetime.now(UTC)
    window = {
        "from": (now - timedelta(days=1)).isoformat(),
        "to": (now + timedelta(hours=1)).isoformat(),
    }
    data = await staff.execute(REPORT, {**window, "by": "CODE"})
    report = data["liveCodeReport"]
    rows = {r["key"]: r for r in report["rows"]}
    assert rows["spring-poster"] | {"liveCodeId": None} == {
        "key": "spring-poster",
        "channel": "poster",
        "liveCodeId": None,
        "scans": 3,
        "arrivals": 2,
        "membersCreated": 2,
        "referralsBound": 2,
        "membersOrdered": 1,
        "revenueCents": 130_00,
    }
    assert rows["store-advisors"]["arrivals"] == 1 and rows["store-advisors"]["scans"] == 0
    assert report["totals"]["arrivals"] == 3 and report["totals"]["revenueCents"] == 130_00
    # and per channel
    by_channel = await staff.execute(REPORT, {**window, "by": "CHANNEL"})
    assert [r["key"] for r in by_channel["liveCodeReport"]["rows"]] == ["poster", "store"]
    # and a period before any of it is empty
    earlier = {
        "from": (now - timedelta(days=9)).isoformat(),
        "to": (now - timedelta(days=8)).isoformat(),
    }
    empty = await staff.execute(REPORT, {**earlier, "by": "CODE"})
    assert empty["liveCodeReport"]["totals"]["scans"] == 0


async def test_a_bad_period_is_a_typed_error(staff_client):
    staff = await staff_client(StaffRole.ANALYST)
    now = datetime.now(UTC)
    errors = await staff.errors(
        REPORT, {"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat(), "by": "CODE"}
    )
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
