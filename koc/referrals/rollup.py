"""The referral report rollup (``ReferralReportDay``): orders still standing and their net
revenue per UTC day, currency and category, for every order (referrer_id 0) and per referrer,
so a report over a year reads day rows instead of every order.

Its handlers (connected in koc/wiring.py) keep it in the transaction of each
change. Every change is a delta added with ``INSERT ... ON CONFLICT DO UPDATE SET n = n +
excluded.n``: concurrent orders on the same day add up on both engines, and the handlers of one
change commute, so they need not run in any particular order relative to the attribution
handlers.
``rebuild()`` recomputes the table from the orders (after a bulk load, or as a repair).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date

from tortoise.transactions import in_transaction

from koc.db import execute, on_postgres, query_rows
from koc.events import (
    MemberMerged,
    OrderRecorded,
    OrderRefunded,
    ReferralConverted,
    ReferralReattributed,
    ReferralReversed,
    after_handlers,
)
from koc.jobs import NO_PROGRESS, Progress
from koc.orders.models import Order, OrderStatus
from koc.referrals.models import EVERY_ORDER, ConversionStatus, ReferralConversion
from koc.referrals.reports import utc_day

# (currency, referrer_id, day, category) -> [orders, revenue, referred orders, referred revenue]
Key = tuple[str, int, date, str]
Deltas = dict[Key, list[int]]

TABLE = "referral_report_day"
COLUMNS = (
    "currency, referrer_id, day, category, orders, revenue_cents, referred_orders, "
    "referred_revenue_cents"
)
SUMMED = ("orders", "revenue_cents", "referred_orders", "referred_revenue_cents")
ADD_ON_CONFLICT = "ON CONFLICT (currency, referrer_id, day, category) DO UPDATE SET " + ", ".join(
    f"{c} = {TABLE}.{c} + excluded.{c}" for c in SUMMED
)
# 8,000 parameters per statement: within the limits of both engines.
ROWS_PER_STATEMENT = 1000


def _deltas() -> Deltas:
    return defaultdict(lambda: [0, 0, 0, 0])


def _standing(order: Order) -> tuple[int, int]:
    """What the order adds to the report now: nothing once fully refunded, else one order and
    its net revenue."""
    if order.status is OrderStatus.REFUNDED:
        return 0, 0
    return 1, order.amount_cents - order.refunded_cents


def _day(order: Order) -> date:
    return order.occurred_at.astimezone(UTC).date()


def _ordered(deltas: Deltas, order: Order, n: int, cents: int) -> None:
    """Add ``n`` orders worth ``cents`` to the every-order row of the order's day."""
    row = deltas[(order.currency, EVERY_ORDER, _day(order), order.category)]
    row[0] += n
    row[1] += cents


def _referred(deltas: Deltas, order: Order, referrer_id: int, n: int, cents: int) -> None:
    """Count ``n`` orders worth ``cents`` as brought by ``referrer_id`` (negative: no longer)."""
    every = deltas[(order.currency, EVERY_ORDER, _day(order), order.category)]
    every[2] += n
    every[3] += cents
    row = deltas[(order.currency, referrer_id, _day(order), order.category)]
    for i, value in enumerate((n, cents, n, cents)):
        row[i] += value


async def _add(deltas: Deltas) -> None:
    """Add the deltas to their rows, creating rows as needed: one statement per 1,000 rows."""
    # Rows in key order: two transactions adding to the same rows lock them in the same order,
    # so on PostgreSQL they wait for each other instead of deadlocking.
    values = [(*key, *sums) for key, sums in sorted(deltas.items()) if any(sums)]
    for i in range(0, len(values), ROWS_PER_STATEMENT):
        chunk = values[i : i + ROWS_PER_STATEMENT]
        marks = ", ".join("(?, ?, ?, ?, ?, ?, ?, ?)" for _ in chunk)
        await execute(
            f"INSERT INTO {TABLE} ({COLUMNS}) VALUES {marks} {ADD_ON_CONFLICT}",
            [v for row in chunk for v in row],
        )


# Batch handlers: a batch of orders (ordersRecord) costs one statement, not one per order.
# With after_handlers, an order batch's every-order rows and the rows of the conversions it
# caused are added in one statement: nothing in the batch reads the report.
async def on_orders_recorded(events: Sequence[OrderRecorded]) -> None:
    deltas = _deltas()
    for e in events:
        _ordered(deltas, e.order, *_standing(e.order))
    await after_handlers(_add_all, [deltas])


async def on_referrals_converted(events: Sequence[ReferralConverted]) -> None:
    deltas = _deltas()
    for e in events:
        _referred(deltas, e.order, e.referrer_id, *_standing(e.order))
    await after_handlers(_add_all, [deltas])


async def _add_all(parts: Sequence[Deltas]) -> None:
    total = _deltas()
    for deltas in parts:
        for key, sums in deltas.items():
            row = total[key]
            for i, value in enumerate(sums):
                row[i] += value
    await _add(total)


async def on_referral_reversed(e: ReferralReversed) -> None:
    referrer_id, order = e.referrer_id, e.order
    # A full refund reverses the conversion too: on_order_refunded takes that order out of the
    # referrer's row. Here only conversions that stop counting while the order stands (a
    # rejected referral) stop being referred.
    if order.status is not OrderStatus.REFUNDED:
        deltas = _deltas()
        n, cents = _standing(order)
        _referred(deltas, order, referrer_id, -n, -cents)
        await _add(deltas)


async def on_order_refunded(e: OrderRefunded) -> None:
    order, refund = e.order, e.refund
    conversion = (
        await ReferralConversion.filter(order_id=order.id).first().values("referrer_id", "status")
    )
    # Was the order referred before this refund? A conversion REVERSED now was reversed by this
    # very refund (only a full refund reverses, and a refunded order takes no more refunds),
    # whether the attribution handler ran before this one or not.
    referred = conversion is not None and (
        conversion["status"] == ConversionStatus.ACTIVE
        or (
            conversion["status"] == ConversionStatus.REVERSED
            and order.status is OrderStatus.REFUNDED
        )
    )
    n, cents = _standing(order)
    before = order.amount_cents - (order.refunded_cents - refund.amount_cents)
    deltas = _deltas()
    _ordered(deltas, order, n - 1, cents - before)
    if referred:
        _referred(deltas, order, conversion["referrer_id"], n - 1, cents - before)
    await _add(deltas)


async def on_referral_reattributed(e: ReferralReattributed) -> None:
    """Published before the referral's standing conversions move to ``e.referrer_id``."""
    referral_id, referrer_id = e.referral_id, e.referrer_id
    conversions = await ReferralConversion.filter(
        referral_id=referral_id, status=ConversionStatus.ACTIVE
    ).values_list("order_id", "referrer_id")
    orders = {o.id: o for o in await Order.filter(id__in=[c[0] for c in conversions])}
    deltas = _deltas()
    for order_id, before in conversions:
        n, cents = _standing(orders[order_id])
        _referred(deltas, orders[order_id], before, -n, -cents)
        _referred(deltas, orders[order_id], referrer_id, n, cents)
    await _add(deltas)


async def on_member_merged(e: MemberMerged) -> None:
    prospect, member = e.prospect, e.member
    # The prospect's conversions become the member's: so do its rows.
    await execute(
        f"INSERT INTO {TABLE} ({COLUMNS}) SELECT currency, ?, day, category, "
        f"{', '.join(SUMMED)} FROM {TABLE} WHERE referrer_id = ? {ADD_ON_CONFLICT}",
        [member.id, prospect.id],
    )
    await execute(f"DELETE FROM {TABLE} WHERE referrer_id = ?", [prospect.id])


async def rebuild(progress: Progress = NO_PROGRESS) -> int:
    """Recompute the rollup from the orders and conversions; returns the number of rows.

    Run it after writing orders straight into the tables (bench/seed.py) and as a repair.
    Rows are added with the same upsert as the handlers, so on PostgreSQL an order committed
    while the rebuild runs is counted once either way."""
    day = utc_day("o.occurred_at")
    net = "o.amount_cents - o.refunded_cents"
    standing = f"o.status <> '{OrderStatus.REFUNDED.value}'"
    active = f"c.order_id = o.id AND c.status = '{ConversionStatus.ACTIVE.value}'"
    progress.expect(2)
    async with in_transaction():
        await execute(f"DELETE FROM {TABLE}", [])
        await execute(
            f"INSERT INTO {TABLE} ({COLUMNS}) "
            f"SELECT o.currency, {EVERY_ORDER}, {day}, o.category, COUNT(*), SUM({net}), "
            f"COUNT(c.id), COALESCE(SUM(CASE WHEN c.id IS NULL THEN 0 ELSE {net} END), 0) "
            f'FROM "order" o LEFT JOIN referral_conversion c ON {active} '
            f"WHERE {standing} GROUP BY o.currency, {day}, o.category {ADD_ON_CONFLICT}",
            [],
        )
        progress.advance()
        await execute(
            f"INSERT INTO {TABLE} ({COLUMNS}) "
            f"SELECT o.currency, c.referrer_id, {day}, o.category, COUNT(*), SUM({net}), "
            f"COUNT(*), SUM({net}) "
            f'FROM referral_conversion c JOIN "order" o ON {active} '
            f"WHERE {standing} GROUP BY o.currency, c.referrer_id, {day}, o.category "
            f"{ADD_ON_CONFLICT}",
            [],
        )
        progress.advance()
        rows = await query_rows(f"SELECT COUNT(*) AS n FROM {TABLE}", [])
    if on_postgres():
        await execute(f"ANALYZE {TABLE}", [])
    return int(rows[0]["n"])
