"""referralReport, referralLeaderboard and referralTree on a hand-checked data set."""

from datetime import UTC, datetime, timedelta

from koc.auth.models import PartnerScope, StaffRole
from koc.referrals.models import Referral, ReferralAttempt
from tests.referrals.helpers import (
    bind,
    code_of,
    record_event,
    record_order,
    refund,
)

REPORT = """
query($groupBy: ReferralGroupBy!) {
  referralReport(from: "2025-03-01T00:00:00+00:00", to: "2025-04-01T00:00:00+00:00",
                 groupBy: $groupBy) {
    totals { orders referredOrders orderShare revenueCents referredRevenueCents revenueShare }
    rows { key orders referredOrders revenueCents referredRevenueCents referrer { id } }
    funnel { bindings leads testDrives deposits orders }
  }
}"""


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2025, 3, day, hour, tzinfo=UTC)


async def _backdate(member_id: int, bound_at: datetime) -> None:
    await Referral.filter(referee_id=member_id).update(
        bound_at=bound_at, expires_at=bound_at + timedelta(days=180), milestone_at=bound_at
    )
    await ReferralAttempt.filter(referee_id=member_id).update(created_at=bound_at)


async def _data_set(member_client, partner):
    """March 2025, in yuan: 6 orders count (815,000.00), 3 referred (555,000.00)."""
    r1, r2 = await member_client(), await member_client()
    c1, c2 = await code_of(r1), await code_of(r2)
    p1, p2, p3, p4 = [await member_client() for _ in range(4)]
    n1, n2, n3, n4 = [await member_client() for _ in range(4)]
    await record_order(partner, p1.member_id, 300_000_00, occurred_at=at(3), referral_code=c1)
    await record_order(partner, n1.member_id, 250_000_00, occurred_at=at(3, 15))
    await record_order(partner, n1.member_id, 2_000_00, category="accessory", occurred_at=at(4))
    o4 = await record_order(partner, p2.member_id, 280_000_00, occurred_at=at(10), referral_code=c1)
    await refund(partner, o4["order"]["externalId"], 30_000_00)  # partial: still counts, net
    o5 = await record_order(partner, p3.member_id, 260_000_00, occurred_at=at(12), referral_code=c1)
    await refund(partner, o5["order"]["externalId"])  # full: not an order any more
    await record_order(partner, n2.member_id, 8_000_00, category="charger", occurred_at=at(31, 23))
    await record_order(partner, n3.member_id, 1, occurred_at=datetime(2025, 4, 1, tzinfo=UTC))
    await record_order(partner, n4.member_id, 1_000_00, currency="USD", occurred_at=at(15))
    await record_order(
        partner, p4.member_id, 5_000_00, category="charger", occurred_at=at(20), referral_code=c2
    )
    # two leads from shared links, bound on March 5 and 6, one test drive each, one deposit
    p6, p7 = await member_client(), await member_client()
    await bind(p6, c1)
    await bind(p7, c2)
    await _backdate(p6.member_id, at(5))
    await _backdate(p7.member_id, at(6))
    await record_event(partner, p6.member_id, "TEST_DRIVE", at(6))
    await record_event(partner, p6.member_id, "DEPOSIT_PAID", at(8))
    await record_event(partner, p7.member_id, "TEST_DRIVE", at(9))
    # and one refused visit (the referrer's own link)
    await bind(r2, c2)
    await ReferralAttempt.filter(referee_id=r2.member_id).update(created_at=at(7))
    return r1, r2


async def test_the_referral_share_by_day_week_month_category_and_referrer(
    member_client, staff_client, partner_client
):
    partner = await partner_client([PartnerScope.ORDERS_WRITE, PartnerScope.EVENTS_WRITE])
    r1, r2 = await _data_set(member_client, partner)
    analyst = await staff_client(StaffRole.ANALYST)

    async def report(group_by):
        return (await analyst.execute(REPORT, {"groupBy": group_by}))["referralReport"]

    def rows(data):
        return [
            (
                r["key"],
                r["orders"],
                r["referredOrders"],
                r["revenueCents"],
                r["referredRevenueCents"],
            )
            for r in data["rows"]
        ]

    day = await report("DAY")
    assert day["totals"] == {
        "orders": 6,
        "referredOrders": 3,
        "orderShare": 0.5,
        "revenueCents": 815_000_00,
        "referredRevenueCents": 555_000_00,
        "revenueShare": 555_000 / 815_000,
    }
    assert rows(day) == [
        ("2025-03-03", 2, 1, 550_000_00, 300_000_00),
        ("2025-03-04", 1, 0, 2_000_00, 0),
        ("2025-03-10", 1, 1, 250_000_00, 250_000_00),
        ("2025-03-20", 1, 1, 5_000_00, 5_000_00),
        ("2025-03-31", 1, 0, 8_000_00, 0),
    ]
    assert day["funnel"] == {
        "bindings": 7,
        "leads": 6,
        "testDrives": 5,
        "deposits": 4,
        "orders": 3,
    }
    assert rows(await report("WEEK")) == [
        ("2025-03-03", 3, 1, 552_000_00, 300_000_00),
        ("2025-03-10", 1, 1, 250_000_00, 250_000_00),
        ("2025-03-17", 1, 1, 5_000_00, 5_000_00),
        ("2025-03-31", 1, 0, 8_000_00, 0),
    ]
    assert rows(await report("MONTH")) == [("2025-03", 6, 3, 815_000_00, 555_000_00)]
    assert rows(await report("CATEGORY")) == [
        ("accessory", 1, 0, 2_000_00, 0),
        ("charger", 2, 1, 13_000_00, 5_000_00),
        ("vehicle", 3, 2, 800_000_00, 550_000_00),
    ]
    by_referrer = await report("REFERRER")
    assert [
        (r["referrer"]["id"], r["orders"], r["referredOrders"], r["referredRevenueCents"])
        for r in by_referrer["rows"]
    ] == [
        (r1.member_gid, 6, 2, 550_000_00),
        (r2.member_gid, 6, 1, 5_000_00),
    ]
    assert by_referrer["totals"]["referredOrders"] == 3

    board = await analyst.execute(
        "{ referralLeaderboard(period: ALL_TIME, first: 5) { rank conversions "
        "referredRevenueCents referrer { id } } }"
    )
    assert board["referralLeaderboard"] == [
        {
            "rank": 1,
            "conversions": 2,
            "referredRevenueCents": 550_000_00,
            "referrer": {"id": r1.member_gid},
        },
        {
            "rank": 2,
            "conversions": 1,
            "referredRevenueCents": 5_000_00,
            "referrer": {"id": r2.member_gid},
        },
    ]
    this_month = await analyst.execute("{ referralLeaderboard(period: MONTH) { rank } }")
    assert this_month["referralLeaderboard"] == []


async def test_report_input_is_checked(staff_client, partner_client, member_client):
    analyst = await staff_client(StaffRole.ANALYST)
    errors = await analyst.errors(
        '{ referralReport(from: "2025-03-02T00:00:00Z", to: "2025-03-01T00:00:00Z", '
        "groupBy: DAY) { totals { orders } } }"
    )
    assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "to"}
    partner = await partner_client([PartnerScope.REFERRALS_READ])
    data = await partner.execute(
        '{ referralReport(from: "2025-03-01T00:00:00Z", to: "2025-03-02T00:00:00Z", '
        "groupBy: MONTH) { totals { orders } } }"
    )
    assert data["referralReport"]["totals"]["orders"] == 0
    member = await member_client()
    errors = await member.errors("{ referralLeaderboard(period: YEAR) { rank } }")
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_tree_rolls_revenue_up(member_client, staff_client, partner_client):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    chain = [await member_client() for _ in range(5)]  # A brought B, B brought C, ...
    for referrer, referee in zip(chain, chain[1:], strict=False):
        await bind(referee, await code_of(referrer))
    for i, member in enumerate(chain[1:], start=1):
        await record_order(partner, member.member_id, i * 100_00)
    extra = await member_client()  # A also brought someone who did not buy
    await bind(extra, await code_of(chain[0]))

    analyst = await staff_client(StaffRole.ANALYST)
    data = await analyst.execute(
        "query($m: ID!) { referralTree(member: $m, depth: 3) { truncated nodes { "
        "depth parentId milestone revenueCents broughtRevenueCents member { id } } } }",
        {"m": chain[0].member_gid},
    )
    tree = data["referralTree"]
    assert tree["truncated"] is False
    got = {
        n["member"]["id"]: (n["depth"], n["parentId"], n["revenueCents"], n["broughtRevenueCents"])
        for n in tree["nodes"]
    }
    a, b, c, d, _ = (m.member_gid for m in chain)
    assert got == {
        a: (0, None, 0, 600_00),
        b: (1, a, 100_00, 500_00),
        extra.member_gid: (1, a, 0, 0),
        c: (2, b, 200_00, 300_00),
        d: (3, c, 300_00, 0),  # E is below the depth asked for
    }
    errors = await analyst.errors(
        "query($m: ID!) { referralTree(member: $m, depth: 4) { truncated } }",
        {"m": chain[0].member_gid},
    )
    assert errors[0]["extensions"]["field"] == "depth"
