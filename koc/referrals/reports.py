"""Referral reports: share of orders and revenue from referrals, the funnel, the leaderboard
and the referral tree. The database does the sums (GROUP BY), never a Python loop over orders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from koc.db import on_postgres, query_rows
from koc.errors import DomainError
from koc.referrals import rules
from koc.referrals.errors import ReferralErrorCode
from koc.referrals.models import EVERY_ORDER, Milestone, Referral, ReviewStatus, TierPeriod

MAX_REPORT_DAYS = 3 * 366
MAX_REFERRER_ROWS = 100
MAX_TREE_DEPTH = 3
MAX_TREE_NODES = 500
CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
ONE_DAY = timedelta(days=1)
Span = tuple[datetime, datetime]


class GroupBy(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    CATEGORY = "CATEGORY"
    REFERRER = "REFERRER"


def utc_day(column: str) -> str:
    """SQL for the UTC calendar day of a time column, comparable with a DATE column."""
    if on_postgres():
        return f"(({column}) AT TIME ZONE 'UTC')::date"
    # SQLite keeps UTC times as ISO text; its date functions read them directly.
    return f"date({column})"


def _bucket(group_by: GroupBy, postgres: bool) -> str:
    """SQL for the row key of a fact row ``f`` (UTC calendar buckets, weeks start on Monday)."""
    if group_by is GroupBy.CATEGORY:
        return "f.category"
    if postgres:
        return {
            GroupBy.DAY: "to_char(f.day, 'YYYY-MM-DD')",
            GroupBy.WEEK: "to_char(date_trunc('week', f.day::timestamp), 'YYYY-MM-DD')",
            GroupBy.MONTH: "to_char(f.day, 'YYYY-MM')",
        }[group_by]
    return {
        GroupBy.DAY: "f.day",
        GroupBy.WEEK: "date(f.day, '-6 days', 'weekday 1')",
        GroupBy.MONTH: "substr(f.day, 1, 7)",
    }[group_by]


# Net revenue of an order: what was paid minus what was refunded; fully refunded orders are
# not orders any more.
NET = "(o.amount_cents - o.refunded_cents)"
STANDING_ORDER = "o.status <> 'REFUNDED'"
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


def _split(start: datetime, end: datetime) -> tuple[tuple[date, date] | None, list[Span]]:
    """The whole UTC days in [start, end) (first, last exclusive) that the rollup answers for,
    and the time ranges at either edge (parts of a day) that the orders answer for."""
    first = start.date() if start.time() == time() else start.date() + ONE_DAY
    last = end.date()
    if first >= last:
        return None, [(start, end)]
    edges = [
        (a, b)
        for a, b in (
            (start, datetime.combine(first, time(), UTC)),
            (datetime.combine(last, time(), UTC), end),
        )
        if a < b
    ]
    return (first, last), edges


def _union(
    days: tuple[date, date] | None,
    edges: list[Span],
    currency: str,
    rollup_sql: str,
    orders_sql: str,
) -> tuple[str, list[Any]]:
    """``rollup_sql`` over the whole days and ``orders_sql`` over the edges, as one derived
    table ``f``. Both end in a WHERE clause that this completes with the range."""
    parts: list[str] = []
    params: list[Any] = []
    if days is not None:
        parts.append(f"{rollup_sql} AND d.currency = ? AND d.day >= ? AND d.day < ?")
        params += [currency, *days]
    if edges:
        within = " OR ".join("(o.occurred_at >= ? AND o.occurred_at < ?)" for _ in edges)
        parts.append(f"{orders_sql} AND o.currency = ? AND ({within})")
        params += [currency, *(t for edge in edges for t in edge)]
    return "(" + " UNION ALL ".join(parts) + ") f", params


def _day_facts(start: datetime, end: datetime, currency: str) -> tuple[str, list[Any]]:
    """Every order in [start, end) by day and category, with its referred part."""
    days, edges = _split(start, end)
    referred = "CASE WHEN c.id IS NULL THEN 0 ELSE {} END"
    return _union(
        days,
        edges,
        currency,
        "SELECT d.day, d.category, d.orders, d.revenue_cents AS revenue, d.referred_orders, "
        "d.referred_revenue_cents AS referred_revenue FROM referral_report_day d "
        f"WHERE d.referrer_id = {EVERY_ORDER}",
        f"SELECT {utc_day('o.occurred_at')} AS day, o.category, 1 AS orders, {NET} AS revenue, "
        f"{referred.format(1)} AS referred_orders, {referred.format(NET)} AS referred_revenue "
        f'FROM "order" o LEFT JOIN referral_conversion c ON {ACTIVE_CONVERSION} WHERE {STANDING_ORDER}',
    )


def _referrer_facts(start: datetime, end: datetime, currency: str) -> tuple[str, list[Any]]:
    """The referred orders in [start, end) by referrer."""
    days, edges = _split(start, end)
    return _union(
        days,
        edges,
        currency,
        "SELECT d.referrer_id, d.orders, d.revenue_cents AS revenue FROM referral_report_day d "
        f"WHERE d.referrer_id <> {EVERY_ORDER}",
        f"SELECT c.referrer_id, 1 AS orders, {NET} AS revenue "
        f'FROM referral_conversion c JOIN "order" o ON {ACTIVE_CONVERSION} WHERE {STANDING_ORDER}',
    )


# Rollup rows whose orders were all refunded stay (at zero) until a rebuild: not report rows.
STANDING = "HAVING SUM(f.orders) > 0"
SUMS = (
    "COALESCE(SUM(f.orders), 0) AS orders, COALESCE(SUM(f.revenue), 0) AS revenue, "
    "COALESCE(SUM(f.referred_orders), 0) AS referred_orders, "
    "COALESCE(SUM(f.referred_revenue), 0) AS referred_revenue"
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
    facts, params = _day_facts(start, end, currency)
    if group_by is GroupBy.REFERRER:
        total = _row("", (await query_rows(f"SELECT {SUMS} FROM {facts}", params))[0])
        by_referrer, referrer_params = _referrer_facts(start, end, currency)
        found = await query_rows(
            "SELECT f.referrer_id AS k, COALESCE(SUM(f.orders), 0) AS referred_orders, "
            f"COALESCE(SUM(f.revenue), 0) AS referred_revenue FROM {by_referrer} "
            f"GROUP BY f.referrer_id {STANDING} "
            f"ORDER BY referred_revenue DESC, f.referrer_id LIMIT {MAX_REFERRER_ROWS}",
            referrer_params,
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
        found = await query_rows(
            f"SELECT {_bucket(group_by, on_postgres())} AS k, {SUMS} FROM {facts} "
            f"GROUP BY k {STANDING} ORDER BY k",
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

    def has_step(kind: Milestone) -> str:
        return (
            "EXISTS (SELECT 1 FROM referral_step s WHERE s.referral_id = r.id "
            f"AND s.kind = '{kind.value}')"
        )

    # Each lead counts once, at the furthest stage it reached: the CASE stops at the first
    # stage found, and grouping evaluates it once per lead. Listing the statuses that count
    # (rather than "not rejected") lets the review index cover the scan of the range.
    counted = ", ".join(f"'{s.value}'" for s in ReviewStatus if s is not ReviewStatus.REJECTED)
    stages = await query_rows(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM referral_conversion c "
        "WHERE c.referral_id = r.id AND c.status = 'ACTIVE') THEN 3 "
        f"WHEN {has_step(Milestone.DEPOSIT)} THEN 2 WHEN {has_step(Milestone.TEST_DRIVE)} THEN 1 "
        "ELSE 0 END AS stage, COUNT(*) AS n FROM referral r "
        f"WHERE r.review_status IN ({counted}) AND r.bound_at >= ? AND r.bound_at < ? "
        "GROUP BY stage",
        [start, end],
    )
    reached = {int(r["stage"]): int(r["n"]) for r in stages}
    bindings = await query_rows(
        "SELECT COUNT(*) AS n FROM referral_attempt a WHERE a.created_at >= ? AND a.created_at < ?",
        [start, end],
    )
    return Funnel(
        bindings=int(bindings[0]["n"]),
        leads=sum(reached.values()),
        test_drives=sum(n for stage, n in reached.items() if stage >= 1),
        deposits=sum(n for stage, n in reached.items() if stage >= 2),
        orders=reached.get(3, 0),
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
    found = await query_rows(
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
        for r in await query_rows(
            f'SELECT o.member_id AS k, COALESCE(SUM({NET}), 0) AS revenue FROM "order" o '
            f"WHERE o.member_id IN ({marks}) AND o.currency = ? AND {STANDING_ORDER} "
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
