"""The outbox: public events written in the transaction of their change, then given positions
in the order their transactions committed.

Why positions are given after the commit: a reader that has seen position N must never later
see a smaller position appear, or a partner paging with ``after:`` skips it for good. An id
from a sequence does not give that on PostgreSQL: two transactions take ids 10 and 11, the one
with 11 commits first, a reader pages past 11, then 10 commits behind it. Taking a lock for the
whole of every transaction that publishes would give it, at the price of serialising every
order. Instead a writer only inserts its rows (position NULL: nobody reads them yet), and
``assign_positions`` numbers the committed rows that have none, after the highest position
given so far, under a transaction-scoped advisory lock, so numbering transactions run one after
the other. Every number a reader can see was given by a numbering that committed; any later
numbering starts after it. A row still in flight is invisible to the numbering and gets a
higher number once it commits. On SQLite a writer holds the write lock from BEGIN to COMMIT, so
the same numbering is serialised by the engine itself.

The feed numbers before it reads, and so does the webhook dispatcher: a position appears at
most one dispatch after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from koc.db import execute, fetch, on_postgres, query_rows
from koc.events.models import OutboxEvent

# pg_advisory_xact_lock's key for the numbering (an arbitrary constant: "koc_pos").
POSITION_LOCK = 0x6B6F635F706F73
# The most rows one numbering gives positions to; the rest wait for the next.
NUMBER_AT_MOST = 10_000


async def write(events: Sequence[object]) -> None:
    """Store the public ones of ``events`` (those with a ``type``), in one statement. Call inside
    the transaction of the change."""
    now = datetime.now(UTC)
    rows = [
        OutboxEvent(type=e.type, data=e.data(), occurred_at=now)  # type: ignore[attr-defined]
        for e in events
        if getattr(e, "type", None)
    ]
    if rows:
        await OutboxEvent.bulk_create(rows)


async def has_unnumbered() -> bool:
    return bool(await fetch("SELECT 1 FROM event_outbox WHERE position IS NULL LIMIT 1"))


async def assign_positions() -> int:
    """Number the committed events that have no position yet, in id order, after the highest
    position given so far. Returns how many were numbered. Call outside any transaction."""
    if not await has_unnumbered():
        return 0
    async with in_transaction():
        if on_postgres():
            await execute("SELECT pg_advisory_xact_lock(?)", [POSITION_LOCK])
        # (query_rows: it returns what RETURNING gives on both engines)
        numbered = await query_rows(
            "UPDATE event_outbox SET position = r.base + r.n"
            " FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n,"
            " (SELECT COALESCE(MAX(position), 0) FROM event_outbox) AS base"
            " FROM event_outbox WHERE position IS NULL ORDER BY id LIMIT ?) AS r"
            " WHERE event_outbox.id = r.id RETURNING event_outbox.id",
            [NUMBER_AT_MOST],
        )
    return len(numbered)
