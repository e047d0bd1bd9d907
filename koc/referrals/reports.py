"""Referral reports: share of orders and revenue from referrals, the funnel, the leaderboard
and the referral tree. The database does the sums (GROUP BY), never a Python loop over orders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise.connection import connections

from koc.errors import DomainError
from koc.referrals import rules
from koc.referrals.errors import ReferralErrorCode
from koc.referrals.models import Milestone, Referral, ReviewStatus, TierPeriod

MAX_REPORT_DAYS = 3 * 366
MAX_REFERRER_ROWS = 100
MAX_TREE_DEPTH = 3
MAX_TREE_NODES = 500
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


class GroupBy(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    CATEGORY = "CATEGORY"
    REFERRER = "REFERRER"


def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


def _bucket(group_by: GroupBy, postgres: bool) -> str:
    """SQL for the row key of an order ``o`` (UTC calendar buckets, weeks start on Monday)."""
    if group_by is GroupBy.CATEGORY:
        return "o.category"
    if postgres:
        utc = "(o.occurred_at AT TIME ZONE 'UTC')"
        return {
            GroupBy.DAY: f"to_char({utc}, 'YYYY-MM-DD')",
            GroupBy.WEEK: f"to_char(date_trunc('week', {utc}), 'YYYY-MM-DD')",
            GroupBy.MONTH: f"to_char({utc}, 'YYYY-MM')",
        }[group_by]
    # SQLite keeps UTC times as ISO text; its date functions read them directly.
    return {
        GroupBy.DAY: "strftime('%Y-%m-%d', o.occurred_at)",
        GroupBy.WEEK: "date(o.occurred_at, '-6 days', 'weekday 1')",
        GroupBy.MONTH: "strftime('%Y-%m', o.occurred_at)",
    }[group_by]


async def _rows(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Run ``sql`` written with ``?`` placeholders on either engine."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        counter = iter(range(1, len(params) + 1))
        sql = re.sub(r"\?", lambda _: f"${next(counter)}", sql)
    return list(await conn.execute_query_dict(sql, params))


# Net revenue of an order: what was paid minus what was refunded; fully refunded orders are
# not orders any more.
NET = "(o.amount_cents - o.refunded_cents)"
ORDERS_IN_RANGE = (
    "o.occurred_at >= ? AND o.occurred_at < ? AND o.currency = ? AND o.status <> 'REFUNDED'"
)
ACTIVE_CONVERSION = "c.order_id = o.id AND c.status = 'ACTIVE'"


@dataclass
class ReportRow:
    key: str
    orders: int = 0
    referred_orders: int = 0
    revenue_cents: int = 0
    referred_revenue_cents: int = 0
    referrer_id: int | None = None

    @property
    def order_share(self) -> float:
        return rules.share(self.referred_orders, self.orders)

    @property
    def revenue_share(self) -> float:
        return rules.share(self.referred_revenue_cents, self.revenue_cents)


@dataclass
class Funnel:
    bindings: int = 0
    leads: int = 0
    test_drives: int = 0
    deposits: int = 0
    orders: int = 0


@dataclass
class Report:
    start: datetime
    end: datetime
    group_by: GroupBy
    currency: str
    totals: ReportRow
    rows: list[ReportRow] = field(default_factory=list)
    funnel: Funnel = field(default_factory=Funnel)


def _check_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    if start.tzinfo is None or end.tzinfo is None:
        raise DomainError(ReferralErrorCode.INVALID, "Times must carry a time zone.", "from")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        raise DomainError(ReferralErrorCode.INVALID, "`to` must be after `from`.", "to")
    if end - start > timedelta(days=MAX_REPORT_DAYS):
        raise DomainError(
            ReferralErrorCode.INVALID, f"A report covers at most {MAX_REPORT_DAYS} days.", "to"
        )
    return start, end


def _check_currency(currency: str) -> str:
    if not CURRENCY_RE.match(currency):
        raise DomainError(ReferralErrorCode.INVALID, "currency is a code like CNY.", "currency")
    return currency


def _row(key: str, r: dict[str, Any], referrer_id: int | None = None) -> ReportRow:
    return ReportRow(
        key=key,
        orders=int(r.get("orders") or 0),
        referred_orders=int(r["referred_orders"] or 0),
        revenue_cents=int(r.get("revenue") or 0),
        referred_revenue_cents=int(r["referred_revenue"] or 0),
        referrer_id=referrer_id,
    )


async def referral_report(
    start: datetime, end: datetime, group_by: GroupBy, currency: str = "CNY"
) -> Report:
    """Orders and revenue, and the part of each that referrals brought, in [start, end).

    DAY/WEEK/MONTH/CATEGORY rows split the orders by key. REFERRER rows (top 100 by referred
    revenue) each carry the period's totals as ``orders``/``revenue`` and that referrer's
    part as ``referred*``, so the shares are the referrer's share of everything.
    The funnel follows the referrals bound in the range.
    """
    start, end = _check_range(start, end)
    currency = _check_currency(currency)
    params = [start, end, currency]
    totals_sql = (
        f"SELECT COUNT(*) AS orders, COALESCE(SUM({NET}), 0) AS revenue, "
        "COUNT(c.id) AS referred_orders, "
        f"COALESCE(SUM(CASE WHEN c.id IS NULL THEN 0 ELSE {NET} END), 0) AS referred_revenue "
        f'FROM "order" o LEFT JOIN referral_conversion c ON {ACTIVE_CONVERSION} WHERE {ORDERS_IN_RANGE}'
    )
    if group_by is GroupBy.REFERRER:
        total = _row("", (await _rows(totals_sql, params))[0])
        found = await _rows(
            f"SELECT c.referrer_id AS k, COUNT(*) AS referred_orders, "
            f"COALESCE(SUM({NET}), 0) AS referred_revenue "
            f'FROM referral_conversion c JOIN "order" o ON {ACTIVE_CONVERSION} '
            f"WHERE {ORDERS_IN_RANGE} GROUP BY c.referrer_id "
            f"ORDER BY referred_revenue DESC, c.referrer_id LIMIT {MAX_REFERRER_ROWS}",
            params,
        )
        rows = [
            _row(
                str(r["k"]),
                {**r, "orders": total.orders, "revenue": total.revenue_cents},
                referrer_id=int(r["k"]),
            )
            for r in found
        ]
    else:
        bucket = _bucket(group_by, _is_postgres())
        found = await _rows(
            totals_sql.replace("SELECT ", f"SELECT {bucket} AS k, ", 1) + " GROUP BY k ORDER BY k",
            params,
        )
        rows = [_row(str(r["k"]), r) for r in found]
        total = ReportRow(
            key="",
            orders=sum(r.orders for r in rows),
            referred_orders=sum(r.referred_orders for r in rows),
            revenue_cents=sum(r.revenue_cents for r in rows),
            referred_revenue_cents=sum(r.referred_revenue_cents for r in rows),
        )
    return Report(
        start=start,
        end=end,
        group_by=group_by,
        currency=currency,
        totals=total,
        rows=rows,
        funnel=await _funnel(start, end),
    )


async def _funnel(start: datetime, end: datetime) -> Funnel:
    """bindings: visitors who arrived with a code (refused ones too); leads: accepted
    bindings not rejected in review; then those that reached at least a test drive, at least
    a deposit, and an order still standing. Each stage is within the one before it."""

    def has_step(kind: str) -> str:
        return (
            "CASE WHEN EXISTS (SELECT 1 FROM referral_step s WHERE s.referral_id = r.id "
            f"AND s.kind = '{kind}') THEN 1 ELSE 0 END"
        )

    converted = (
        "CASE WHEN EXISTS (SELECT 1 FROM referral_conversion c WHERE c.referral_id = r.id "
        "AND c.status = 'ACTIVE') THEN 1 ELSE 0 END"
    )
    sql = (
        "SELECT (SELECT COUNT(*) FROM referral_attempt a WHERE a.created_at >= ? "
        "AND a.created_at < ?) AS bindings, COUNT(x.id) AS leads, "
        "COALESCE(SUM(CASE WHEN x.td + x.dep + x.conv > 0 THEN 1 ELSE 0 END), 0) AS test_drives, "
        "COALESCE(SUM(CASE WHEN x.dep + x.conv > 0 THEN 1 ELSE 0 END), 0) AS deposits, "
        "COALESCE(SUM(x.conv), 0) AS orders FROM ("
        f"SELECT r.id, {has_step(Milestone.TEST_DRIVE.value)} AS td, "
        f"{has_step(Milestone.DEPOSIT.value)} AS dep, {converted} AS conv "
        "FROM referral r WHERE r.bound_at >= ? AND r.bound_at < ? "
        f"AND r.review_status <> '{ReviewStatus.REJECTED.value}') x"
    )
    r = (await _rows(sql, [start, end, start, end]))[0]
    return Funnel(
        bindings=int(r["bindings"]),
        leads=int(r["leads"]),
        test_drives=int(r["test_drives"]),
        deposits=int(r["deposits"]),
        orders=int(r["orders"]),
    )


@dataclass(frozen=True)
class LeaderboardEntry:
    rank: int
    referrer_id: int
    conversions: int
    referred_revenue_cents: int


async def leaderboard(
    period: TierPeriod, first: int, currency: str = "CNY", *, now: datetime | None = None
) -> list[LeaderboardEntry]:
    """Referrers ranked by conversions still standing in the current calendar period, then
    by the net revenue of those orders."""
    if not 1 <= first <= 100:
        raise DomainError(ReferralErrorCode.INVALID, "first is 1-100.", "first")
    currency = _check_currency(currency)
    since = rules.period_start(period, now or datetime.now(UTC))
    where = "o.currency = ?" + (" AND c.occurred_at >= ?" if since else "")
    params: list[Any] = [currency] + ([since] if since else [])
    found = await _rows(
        f"SELECT c.referrer_id AS k, COUNT(*) AS n, COALESCE(SUM({NET}), 0) AS revenue "
        f'FROM referral_conversion c JOIN "order" o ON {ACTIVE_CONVERSION} WHERE {where} '
        f"GROUP BY c.referrer_id ORDER BY n DESC, revenue DESC, c.referrer_id LIMIT {int(first)}",
        params,
    )
    return [
        LeaderboardEntry(
            rank=i + 1,
            referrer_id=int(r["k"]),
            conversions=int(r["n"]),
            referred_revenue_cents=int(r["revenue"]),
        )
        for i, r in enumerate(found)
    ]


@dataclass
class TreeNode:
    member_id: int
    parent_id: int | None
    depth: int
    milestone: Milestone | None
    revenue_cents: int = 0
    brought_revenue_cents: int = 0


@dataclass(frozen=True)
class Tree:
    nodes: list[TreeNode]
    truncated: bool


async def referral_tree(root_id: int, depth: int, currency: str = "CNY") -> Tree:
    """Who the member brought, and whom those brought, ``depth`` levels down (at most 3 and
    500 nodes). Each node has its own net revenue and the revenue of everyone below it."""
    if not 1 <= depth <= MAX_TREE_DEPTH:
        raise DomainError(ReferralErrorCode.INVALID, f"depth is 1-{MAX_TREE_DEPTH}.", "depth")
    currency = _check_currency(currency)
    nodes = [TreeNode(member_id=root_id, parent_id=None, depth=0, milestone=None)]
    seen = {root_id}
    frontier = [root_id]
    truncated = False
    for level in range(1, depth + 1):
        if not frontier:
            break
        room = MAX_TREE_NODES - len(nodes)
        found = (
            await Referral.filter(referrer_id__in=frontier)
            .exclude(review_status=ReviewStatus.REJECTED)
            .order_by("bound_at", "id")
            .limit(room + 1)
            .values("referrer_id", "referee_id", "milestone")
        )
        if len(found) > room:
            truncated, found = True, found[:room]
        frontier = []
        for r in found:
            if r["referee_id"] in seen:  # a loop: already in the tree
                continue
            seen.add(r["referee_id"])
            frontier.append(r["referee_id"])
            nodes.append(
                TreeNode(
                    member_id=r["referee_id"],
                    parent_id=r["referrer_id"],
                    depth=level,
                    milestone=Milestone(r["milestone"]),
                )
            )
    ids = [n.member_id for n in nodes]
    marks = ", ".join("?" for _ in ids)
    revenue = {
        int(r["k"]): int(r["revenue"])
        for r in await _rows(
            f'SELECT o.member_id AS k, COALESCE(SUM({NET}), 0) AS revenue FROM "order" o '
            f"WHERE o.member_id IN ({marks}) AND o.currency = ? AND o.status <> 'REFUNDED' "
            "GROUP BY o.member_id",
            [*ids, currency],
        )
    }
    by_id = {n.member_id: n for n in nodes}
    for node in nodes:
        node.revenue_cents = revenue.get(node.member_id, 0)
    for node in sorted(nodes, key=lambda n: -n.depth):
        if node.parent_id is not None:
            by_id[node.parent_id].brought_revenue_cents += (
                node.revenue_cents + node.brought_revenue_cents
            )
    return Tree(nodes=nodes, truncated=truncated)
