"""What staff read of the delivery log: messages per member and template, counts per day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.queryset import QuerySet

from koc.db import fetch, on_postgres
from koc.errors import DomainError
from koc.notifications.errors import NotificationErrorCode as Code
from koc.notifications.models import MessageState, NotificationKind, SubscribeMessage

MAX_DAYS = 92


def messages(
    member_id: int | None = None,
    template_id: str | None = None,
    kind: NotificationKind | None = None,
    state: MessageState | None = None,
) -> QuerySet[SubscribeMessage]:
    """The log's messages, narrowed by whichever filters are given."""
    query = SubscribeMessage.all()
    if member_id is not None:
        query = query.filter(member_id=member_id)
    if template_id:
        query = query.filter(template_id=template_id)
    if kind is not None:
        query = query.filter(kind=kind)
    if state is not None:
        query = query.filter(state=state)
    return query


@dataclass(frozen=True)
class DayCount:
    day: date
    template_id: str
    state: MessageState
    count: int


async def counts_per_day(
    since: date, until: date, tz: ZoneInfo, template_id: str | None = None
) -> list[DayCount]:
    """Messages queued per day of the brand's time zone (``since`` to ``until`` inclusive), per
    template and the state they are in now: one statement."""
    if until < since or (until - since).days >= MAX_DAYS:
        raise DomainError(
            Code.INVALID, f"Give a range of 1 to {MAX_DAYS} days, since before until.", "until"
        )
    start = datetime.combine(since, datetime.min.time(), tz)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tz)
    if on_postgres():
        day = f"CAST((created_at AT TIME ZONE '{tz.key}') AS DATE)"
    else:  # SQLite stores UTC text; the zone's offset at the start serves the range
        offset = int(start.utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
        day = f"date(substr(created_at, 1, 19), '{offset:+d} minutes')"
    where, params = (
        "created_at >= ? AND created_at < ?",
        [start.astimezone(UTC), end.astimezone(UTC)],
    )
    if template_id:
        where += " AND template_id = ?"
        params.append(template_id)
    rows = await fetch(
        f"SELECT {day} AS day, template_id, state, COUNT(*) FROM notify_message"
        f" WHERE {where} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        params,
    )
    return [
        DayCount(
            day=d if isinstance(d, date) else date.fromisoformat(str(d)),
            template_id=t,
            state=MessageState(s),
            count=int(c),
        )
        for d, t, s, c in rows
    ]
