"""Pure privilege logic: quota periods, grant expiry."""

from __future__ import annotations

from datetime import datetime, timedelta

from koc.privileges.models import QuotaPeriod


def period_key(period: QuotaPeriod, now: datetime) -> str:
    """The quota bucket ``now`` falls in (calendar periods in UTC)."""
    if period is QuotaPeriod.YEAR:
        return f"{now.year:04d}"
    if period is QuotaPeriod.MONTH:
        return f"{now.year:04d}-{now.month:02d}"
    return "all"


def grant_expiry(
    now: datetime, ends_at: datetime | None, grant_days: int | None
) -> datetime | None:
    """When a grant made ``now`` expires: after ``grant_days``, and never after the window."""
    candidates = [
        t for t in (ends_at, now + timedelta(days=grant_days) if grant_days else None) if t
    ]
    return min(candidates) if candidates else None
