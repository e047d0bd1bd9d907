"""Money sums beyond 32 bits: a year of car sales in cents does not fit GraphQL's Int."""

from koc.auth.models import StaffRole

RECORD = """mutation($i: OrderRecordInput!) { orderRecord(input: $i) { errors { code } } }"""
REPORT = """{ referralReport(from: "2026-01-01T00:00:00Z", to: "2027-01-01T00:00:00Z", groupBy: MONTH) {
  totals { orders revenueCents } rows { key revenueCents } } }"""


async def test_revenue_above_two_billion_cents_is_reported_exactly(partner_client, staff_client):
    dealer = await partner_client(["orders:write"])
    for i in range(3):
        data = await dealer.execute(
            RECORD,
            {
                "i": {
                    "externalId": f"big-{i}",
                    "member": {"unionid": f"u-{i}"},
                    "amountCents": 2_000_000_000,
                    "category": "vehicle",
                    "occurredAt": "2026-03-01T00:00:00Z",
                }
            },
        )
        assert data["orderRecord"]["errors"] == []
    analyst = await staff_client(StaffRole.ANALYST)
    report = (await analyst.execute(REPORT))["referralReport"]
    assert report["totals"] == {"orders": 3, "revenueCents": 6_000_000_000}
    assert [r["revenueCents"] for r in report["rows"] if r["revenueCents"]] == [6_000_000_000]
