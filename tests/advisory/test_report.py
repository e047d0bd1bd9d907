"""The advisor report: per advisor and period, members owned, median first-contact time,
follow-ups by step, members who ordered and the referral share of their orders."""

from datetime import UTC, datetime, timedelta

from koc.advisory.models import FollowUp, FollowUpChannel, OwnerChange, OwnerChangeReason, SalesStep
from koc.advisory.reports import median
from koc.auth.models import PartnerToken, StaffRole
from koc.orders.models import Order
from tests.advisory.helpers import staff_gid
from tests.conftest import make_member

REPORT = """query($from: DateTime!, $to: DateTime!, $advisor: ID) {
  advisorReport(from: $from, to: $to, advisorId: $advisor) {
    advisor membersOwned assignedCount contactedCount firstContactMedianSeconds
    followUpsByStep { step count } membersOrdered orderCount referralOrderCount referralShare } }"""
NOW = datetime.now(UTC)


def test_median_of_an_odd_and_an_even_count():
    hours = [timedelta(hours=h) for h in (5, 1, 3)]
    assert median(hours) == timedelta(hours=3)
    assert median(hours + [timedelta(hours=7)]) == timedelta(hours=4)
    assert median([]) is None


async def test_the_report_counts_what_each_advisor_did_in_the_period(staff_client):
    ada = await staff_client(StaffRole.ADVISOR, username="ada")
    bob = await staff_client(StaffRole.ADVISOR, username="bob")
    members = [await make_member(owner_id=ada.staff_id) for _ in range(3)]
    # Ada got all three two days ago; contacted two of them after 1 h and 3 h
    for m in members:
        await OwnerChange.create(
            member_id=m.id,
            to_staff_id=ada.staff_id,
            reason=OwnerChangeReason.ASSIGN,
            created_at=NOW - timedelta(days=2),
        )
    for m, hours, step in (
        (members[0], 1, SalesStep.VALUE_ICEBREAKING),
        (members[1], 3, SalesStep.NEEDS_DISCOVERY),
    ):
        await FollowUp.create(
            member_id=m.id,
            advisor_id=ada.staff_id,
            channel=FollowUpChannel.PHONE,
            step=step,
            created_at=NOW - timedelta(days=2) + timedelta(hours=hours),
        )
    partner = await PartnerToken.create(name="p", prefix="p", token_hash="h", scopes=[])
    await Order.create(
        partner=partner,
        external_id="o1",
        member_id=members[0].id,
        amount_cents=100,
        currency="CNY",
        category="car",
        occurred_at=NOW - timedelta(days=1),
        fingerprint="f",
    )
    analyst = await staff_client(StaffRole.ANALYST)
    period = {"from": (NOW - timedelta(days=7)).isoformat(), "to": NOW.isoformat()}

    rows = (await analyst.execute(REPORT, period))["advisorReport"]

    assert [r["advisor"] for r in rows] == ["ada", "bob"]
    ada_row = rows[0]
    assert (ada_row["membersOwned"], ada_row["assignedCount"], ada_row["contactedCount"]) == (
        3,
        3,
        2,
    )
    assert ada_row["firstContactMedianSeconds"] == 2 * 3600
    steps = {s["step"]: s["count"] for s in ada_row["followUpsByStep"]}
    assert (steps["VALUE_ICEBREAKING"], steps["NEEDS_DISCOVERY"], steps["SOLUTION"]) == (1, 1, 0)
    assert (ada_row["membersOrdered"], ada_row["orderCount"], ada_row["referralOrderCount"]) == (
        1,
        1,
        0,
    )
    assert ada_row["referralShare"] == 0.0
    assert rows[1]["firstContactMedianSeconds"] is None and rows[1]["referralShare"] is None

    # an advisor reads its own row only
    own = (await bob.execute(REPORT, period))["advisorReport"]
    assert [r["advisor"] for r in own] == ["bob"]
    errors = await bob.errors(REPORT, {**period, "advisor": staff_gid(ada)})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    bad = await analyst.errors(
        REPORT, {"from": NOW.isoformat(), "to": (NOW - timedelta(days=1)).isoformat()}
    )
    assert bad[0]["extensions"]["code"] == "BAD_USER_INPUT"
