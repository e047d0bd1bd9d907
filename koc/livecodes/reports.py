"""What each live code (or channel) brought in a period: scans, arrivals, members created,
referrals bound, and the arrivals who later ordered with the net revenue of those orders.

Four grouped statements for any number of codes and arrivals; the period selects scans by hour
and arrivals by their time, and the orders counted are every standing order an arrival of the
period placed after arriving."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from koc.db import fetch
from koc.errors import DomainError
from koc.livecodes.errors import LiveCodeErrorCode
from koc.livecodes.models import LiveCode

MAX_REPORT_DAYS = 3 * 366
CURRENCY_RE = re.compile(r"[A-Z]{3}")


class LiveCodeGroupBy(StrEnum):
    CODE = "CODE"
    CHANNEL = "CHANNEL"


@dataclass
class LiveCodeReportRow:
    key: str  # the code's slug, or the channel
    live_code_id: int | None = None
    channel: str = ""
    scans: int = 0
    arrivals: int = 0
    members_created: int = 0
    referrals_bound: int = 0
    members_ordered: int = 0
    revenue_cents: int = 0

    def add(self, other: LiveCodeReportRow) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))


FIGURES = (
    "scans",
    "arrivals",
    "members_created",
    "referrals_bound",
    "members_ordered",
    "revenue_cents",
)


@dataclass
class LiveCodeReport:
    currency: str
    totals: LiveCodeReportRow
    rows: list[LiveCodeReportRow] = field(default_factory=list)


def _check(start: datetime, end: datetime, currency: str) -> tuple[datetime, datetime]:
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        raise DomainError(LiveCodeErrorCode.INVALID, "`to` must be after `from`.", "to")
    if end - start > timedelta(days=MAX_REPORT_DAYS):
        raise DomainError(
            LiveCodeErrorCode.INVALID, f"A report covers at most {MAX_REPORT_DAYS} days.", "to"
        )
    if not CURRENCY_RE.fullmatch(currency):
        raise DomainError(LiveCodeErrorCode.INVALID, "currency is a code like CNY.", "currency")
    return start, end


def _by_code(rows: Iterable[tuple[Any, ...]]) -> dict[int, tuple[Any, ...]]:
    return {int(r[0]): r[1:] for r in rows}


async def live_code_report(
    start: datetime, end: datetime, group_by: LiveCodeGroupBy, currency: str = "CNY"
) -> LiveCodeReport:
    start, end = _check(start, end, currency)
    scans = _by_code(
        await fetch(
            "SELECT live_code_id, SUM(scans) FROM live_code_scan_count"
            " WHERE hour >= ? AND hour < ? GROUP BY live_code_id",
            [start, end],
        )
    )
    arrivals = _by_code(
        await fetch(
            "SELECT live_code_id, COUNT(*),"
            " SUM(CASE WHEN member_created THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN referral_bound THEN 1 ELSE 0 END)"
            " FROM live_code_arrival WHERE arrived_at >= ? AND arrived_at < ?"
            " GROUP BY live_code_id",
            [start, end],
        )
    )
    orders = _by_code(
        await fetch(
            "SELECT a.live_code_id, COUNT(DISTINCT a.member_id),"
            " SUM(o.amount_cents - o.refunded_cents)"
            ' FROM live_code_arrival a JOIN "order" o ON o.member_id = a.member_id'
            " AND o.occurred_at >= a.arrived_at AND o.status <> 'REFUNDED' AND o.currency = ?"
            " WHERE a.arrived_at >= ? AND a.arrived_at < ? GROUP BY a.live_code_id",
            [currency, start, end],
        )
    )
    report = LiveCodeReport(currency=currency, totals=LiveCodeReportRow(key="total"))
    grouped: dict[str, LiveCodeReportRow] = {}
    for code in await LiveCode.all().order_by("id"):
        arrived = arrivals.get(code.id, (0, 0, 0))
        ordered = orders.get(code.id, (0, 0))
        row = LiveCodeReportRow(
            key=code.slug,
            live_code_id=code.id,
            channel=code.channel,
            scans=int(scans.get(code.id, (0,))[0] or 0),
            arrivals=int(arrived[0] or 0),
            members_created=int(arrived[1] or 0),
            referrals_bound=int(arrived[2] or 0),
            members_ordered=int(ordered[0] or 0),
            revenue_cents=int(ordered[1] or 0),
        )
        report.totals.add(row)
        if group_by is LiveCodeGroupBy.CODE:
            report.rows.append(row)
        else:
            grouped.setdefault(
                code.channel, LiveCodeReportRow(key=code.channel, channel=code.channel)
            ).add(row)
    report.rows.extend(sorted(grouped.values(), key=lambda r: r.key))
    return report
