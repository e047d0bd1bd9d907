"""The referral report reads a daily rollup kept by hooks: it must say what the orders say,
after refunds, reversals, rejected referrals, re-attribution and member merges, for whole
days and for ranges that cut days in two, and after a rebuild."""

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from koc.auth.models import PartnerScope, StaffRole
from koc.members.models import Member
from koc.orders.models import Order, OrderStatus
from koc.orders.prospects import merge_prospect
from koc.referrals import codes, rollup
from koc.referrals.models import ConversionStatus, Referral, ReferralConversion, ReviewStatus
from koc.referrals.reports import GroupBy, referral_report
from tests.conftest import make_member
from tests.referrals.helpers import ORDER, code_of, gid, iso, record_order, refund

# A currency no other test uses, so the oracle below sees only this file's orders.
CURRENCY = "XTS"

REATTRIBUTE = """
mutation($input: ReferralReattributeInput!) {
  referralReattribute(input: $input) { errors { field code } } }"""
REVIEW = """
mutation($input: ReferralReviewInput!) { referralReview(input: $input) { errors { code } } }"""


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2024, 2, day, hour, tzinfo=UTC)


def _key(group_by: GroupBy, occurred_at: datetime, category: str, referrer_id: int) -> str:
    day = occurred_at.astimezone(UTC).date()
    return {
        GroupBy.DAY: day.isoformat(),
        GroupBy.WEEK: (day - timedelta(days=day.weekday())).isoformat(),
        GroupBy.MONTH: day.isoformat()[:7],
        GroupBy.CATEGORY: category,
        GroupBy.REFERRER: str(referrer_id),
    }[group_by]


async def _from_orders(start: datetime, end: datetime, group_by: GroupBy) -> list[tuple]:
    """The report's rows computed in Python from the orders and conversions themselves."""
    referrer_of = dict(
        await ReferralConversion.filter(
            status=ConversionStatus.ACTIVE, currency=CURRENCY
        ).values_list("order_id", "referrer_id")
    )
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    orders = await Order.filter(
        currency=CURRENCY, occurred_at__gte=start, occurred_at__lt=end
    ).exclude(status=OrderStatus.REFUNDED)
    for o in orders:
        referrer_id = referrer_of.get(o.id, 0)
        if group_by is GroupBy.REFERRER and not referrer_id:
            continue
        row = sums[_key(group_by, o.occurred_at, o.category, referrer_id)]
        net = o.amount_cents - o.refunded_cents
        row[0] += 1
        row[1] += net
        row[2] += 1 if referrer_id else 0
        row[3] += net if referrer_id else 0
    if group_by is GroupBy.REFERRER:
        # referrer rows carry the period's totals as orders and revenue
        totals = (len(orders), sum(o.amount_cents - o.refunded_cents for o in orders))
        ranked = sorted(sums.items(), key=lambda kv: (-kv[1][3], int(kv[0])))
        return [(k, *totals, n, cents) for k, (_, _, n, cents) in ranked]
    return sorted((k, *v) for k, v in sums.items())


async def _report(start: datetime, end: datetime, group_by: GroupBy) -> list[tuple]:
    report = await referral_report(start, end, group_by, CURRENCY)
    return [
        (r.key, r.orders, r.revenue_cents, r.referred_orders, r.referred_revenue_cents)
        for r in report.rows
    ]


async def test_the_rollup_report_equals_the_orders_after_every_kind_of_change(
    member_client, staff_client, partner_client
):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    operator = await staff_client(StaffRole.OPERATOR)
    r1, r2, r3 = [await member_client() for _ in range(3)]
    c1, c2 = await code_of(r1), await code_of(r2)
    # a referrer known only by phone, later found to be r3
    prospect = await make_member(phone="+8613700001111")
    [prospect_code] = await codes.primary_codes([prospect.id])
    buyers = [await make_member() for _ in range(8)]
    n1, p1, p2, p3, p4, p5, p6, n2 = (b.id for b in buyers)

    async def order(member_id, cents, when, code=None, category="vehicle"):
        return (
            await record_order(
                partner,
                member_id,
                cents,
                occurred_at=when,
                referral_code=code,
                currency=CURRENCY,
                category=category,
            )
        )["order"]["externalId"]

    await order(n1, 100_00, at(10, 9))
    await order(p1, 300_00, at(10, 10), c1)
    partial = await order(p2, 200_00, at(10, 15), c1, category="charger")
    await refund(partner, partial, 50_00)
    await refund(partner, await order(p3, 250_00, at(11), c1), None)  # full: reversed
    await order(p4, 400_00, at(12, 13), c2)
    await order(p5, 500_00, at(13), prospect_code.code)
    await order(p6, 600_00, at(15), c2)
    await refund(partner, await order(n2, 700_00, at(14)), 100_00)
    # given p4's referral re-attributed to r3, p6's rejected after review, and the prospect
    # merged into r3
    p4_referral = await Referral.get(referee_id=p4)
    data = await operator.execute(
        REATTRIBUTE,
        {
            "input": {
                "referralId": gid("Referral", p4_referral.id),
                "referrerId": r3.member_gid,
                "reason": "the advisor confirmed",
            }
        },
    )
    assert data["referralReattribute"]["errors"] == []
    await Referral.filter(referee_id=p6).update(review_status=ReviewStatus.PENDING)
    p6_referral = await Referral.get(referee_id=p6)
    data = await operator.execute(
        REVIEW,
        {
            "input": {
                "referralId": gid("Referral", p6_referral.id),
                "decision": "REJECT",
                "note": "same household",
            }
        },
    )
    assert data["referralReview"]["errors"] == []
    async with in_transaction():
        await merge_prospect(prospect, into=await Member.get(id=r3.member_id))

    month = (at(1, 0), at(1, 0) + timedelta(days=29))
    cut = (at(10, 12), at(14, 12))  # half of the 10th, the 11th to 13th, half of the 14th
    by_referrer = await referral_report(*month, GroupBy.REFERRER, CURRENCY)
    assert (by_referrer.totals.orders, by_referrer.totals.revenue_cents) == (7, 2650_00)
    assert (by_referrer.totals.referred_orders, by_referrer.totals.referred_revenue_cents) == (
        4,
        1350_00,
    )
    assert [
        (r.referrer_id, r.referred_orders, r.referred_revenue_cents) for r in by_referrer.rows
    ] == [
        (r3.member_id, 2, 900_00),
        (r1.member_id, 2, 450_00),
    ]
    cut_totals = (await referral_report(*cut, GroupBy.MONTH, CURRENCY)).totals
    assert (cut_totals.orders, cut_totals.revenue_cents, cut_totals.referred_orders) == (
        4,
        1650_00,
        3,
    )
    for group_by in GroupBy:
        for start, end in (month, cut):
            expected = await _from_orders(start, end, group_by)
            assert await _report(start, end, group_by) == expected, (group_by, start, end)

    # a rebuild from the orders gives the same report
    await rollup.rebuild()
    for group_by in GroupBy:
        for start, end in (month, cut):
            assert await _report(start, end, group_by) == await _from_orders(start, end, group_by)


async def test_concurrent_orders_on_one_day_all_count(partner_client):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    buyers = [await make_member() for _ in range(20)]
    day = at(20, 8)

    results = await asyncio.gather(
        *(
            partner.execute(
                ORDER,
                {
                    "input": {
                        "externalId": f"rollup-concurrent-{b.id}",
                        "member": {"memberId": gid("Member", b.id)},
                        "amountCents": 1_000_00 + i,
                        "currency": CURRENCY,
                        "category": "accessory",
                        "occurredAt": iso(day + timedelta(minutes=i)),
                    }
                },
            )
            for i, b in enumerate(buyers)
        )
    )

    assert all(r["orderRecord"]["errors"] == [] for r in results)
    report = await referral_report(at(20, 0), at(21, 0), GroupBy.CATEGORY, CURRENCY)
    [row] = [r for r in report.rows if r.key == "accessory"]
    assert (row.orders, row.revenue_cents) == (20, 20 * 1_000_00 + sum(range(20)))


async def test_a_batch_of_orders_counts_as_its_orders_would(member_client, partner_client):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer = await member_client()
    code = await code_of(referrer)
    buyers = [await make_member() for _ in range(6)]
    orders = [
        {
            "externalId": f"rollup-batch-{b.id}",
            "member": {"memberId": gid("Member", b.id)},
            "amountCents": 10_000_00 * (i + 1),
            "currency": CURRENCY,
            "category": "vehicle",
            "occurredAt": iso(at(22, 8 + i)),
            **({"referralCode": code} if i % 2 else {}),
        }
        for i, b in enumerate(buyers)
    ]

    data = await partner.execute(
        "mutation($i: OrdersRecordInput!) { ordersRecord(input: $i) { recorded } }",
        {"i": {"orders": orders}},
    )

    assert data["ordersRecord"]["recorded"] == 6
    day = (at(22, 0), at(23, 0))
    totals = (await referral_report(*day, GroupBy.DAY, CURRENCY)).totals
    assert (totals.orders, totals.revenue_cents) == (6, 210_000_00)
    assert (totals.referred_orders, totals.referred_revenue_cents) == (3, 120_000_00)
    for group_by in (GroupBy.DAY, GroupBy.REFERRER):
        assert await _report(*day, group_by) == await _from_orders(*day, group_by)
