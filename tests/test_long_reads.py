"""Long reads (reports) run off the event loop: while one scans, the process goes on serving.

On SQLite koc runs statements on the loop's thread (koc.sqlite); a report's scan would stop
every other request of the worker for its duration. ``koc.db.long_reads`` sends them to a
read-only connection answered on a thread of its own.
"""

from __future__ import annotations

import asyncio
import time

from tortoise.transactions import in_transaction

from koc.db import fetch, long_reads
from koc.members.models import Member
from tests.conftest import engine_name

# A statement that keeps the database busy for a while and needs no data: counting to N.
SLOW = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500000) "
    "SELECT COUNT(*) FROM c"
)


async def ticks_during(work) -> tuple[int, float, object]:  # type: ignore[no-untyped-def]
    """How often a 1 ms timer got to run on the loop while ``work`` ran, its time and result."""
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.001)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.perf_counter()
    result = await work()
    elapsed = time.perf_counter() - started
    done.set()
    await task
    return ticks, elapsed, result


async def test_a_long_read_leaves_the_loop_free_for_other_requests(app) -> None:
    # Given a statement that takes a while
    async def slow() -> object:
        return (await fetch(SLOW))[0][0]

    async def slow_off_loop() -> object:
        async with long_reads():
            return await slow()

    # When it runs as a long read, the loop keeps running other work meanwhile
    ticks, elapsed, result = await ticks_during(slow_off_loop)
    assert result == 1_500_000
    assert ticks >= max(3, int(elapsed / 0.001 / 20)), (ticks, elapsed)
    # whereas on SQLite the same statement run inline holds the loop the whole time
    if engine_name() == "sqlite":
        ticks, elapsed, result = await ticks_during(slow)
        assert result == 1_500_000 and ticks <= 1, (ticks, elapsed)


async def test_a_long_read_sees_what_was_committed_and_what_its_transaction_wrote(app) -> None:
    # Given a member committed before the read
    before = await Member.create(nickname="committed")
    async with long_reads():
        found = await fetch("SELECT nickname FROM member WHERE id = ?", [before.id])
    assert found == [("committed",)]
    # When a long read runs inside a transaction, it reads that transaction's own writes
    async with in_transaction():
        inside = await Member.create(nickname="not yet committed")
        async with long_reads():
            found = await fetch("SELECT nickname FROM member WHERE id = ?", [inside.id])
        assert found == [("not yet committed",)]
