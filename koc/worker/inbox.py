"""SQLite's side of the queue: jobs written in the caller's transaction, handed to the one
in-memory engine of the database.

Why this is not a home-made distributed queue: on SQLite exactly one process per database file
runs an engine. ``engine_lock`` takes an exclusive OS lock on ``<database>.worker.lock``
(``flock``: the kernel releases it when the process dies, even by ``kill -9``); a process that
cannot take it runs no engine. So no row is ever claimed by two consumers and there is nothing
to lock in the table: the engine reads committed rows, PgQueuer (in memory) schedules, runs and
retries them, and a row is deleted when its job is done. A crash loses only the in-memory
state: the rows are still here and are handed over again at the next start.

Wake-ups: ``add`` sets an in-process event, and the feeder reads the inbox in a transaction of
its own, which on koc's SQLite engine starts only after the enqueuing transaction has ended
(koc.sqlite takes the write lock at BEGIN): no job is missed and none is seen before it
commits. Jobs enqueued by another process (a CLI command) are picked up at the next check,
every ``CHECK_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from tortoise.transactions import in_transaction

from koc.settings import sqlite_path
from koc.worker.models import InboxJob
from koc.worker.registry import TASKS

logger = logging.getLogger("koc.worker")
CHECK_SECONDS = 5.0

_feeders: set[Feeder] = set()


def payload_of(kwargs: dict[str, Any], inbox_id: int | None = None) -> bytes:
    """A job's payload: its keyword arguments, and on SQLite the inbox row it came from."""
    return json.dumps({"kwargs": kwargs, "inbox_id": inbox_id}, separators=(",", ":")).encode()


async def add(task_name: str, jobs: Sequence[dict[str, Any]], run_after: datetime | None) -> None:
    """One inbox row per item of ``jobs`` (the kwargs of each), in the caller's transaction."""
    at = run_after or datetime.now(UTC)
    await InboxJob.bulk_create([InboxJob(task=task_name, kwargs=kw, run_after=at) for kw in jobs])
    for feeder in _feeders:
        feeder.wakeup.set()


async def done(inbox_id: int) -> None:
    await InboxJob.filter(id=inbox_id).delete()


async def failed(inbox_id: int, error: str) -> None:
    await InboxJob.filter(id=inbox_id).update(failed_at=datetime.now(UTC), error=error[:2000])


class Feeder:
    """Hands the inbox's committed rows to one in-memory PgQueuer, each row once."""

    def __init__(self, pgq: Any) -> None:
        self.pgq = pgq
        self.fed: set[int] = set()
        self.wakeup = asyncio.Event()

    async def feed(self, due_only: bool = False) -> int:
        now = datetime.now(UTC)
        async with in_transaction():
            rows = await InboxJob.filter(failed_at__isnull=True).order_by("id")
        present = {row.id for row in rows}
        self.fed &= present  # done rows are gone: the set stays as small as the inbox
        fresh = [r for r in rows if r.id not in self.fed and (not due_only or r.run_after <= now)]
        fed = 0
        for row in fresh:
            if row.task not in TASKS:
                logger.warning("inbox job %d: no task %r in this process", row.id, row.task)
                continue
            await self.pgq.queries.enqueue(
                row.task,
                payload_of(row.kwargs, row.id),
                execute_after=max(row.run_after - now, timedelta(0)),
            )
            self.fed.add(row.id)
            fed += 1
        return fed

    async def forever(self) -> None:
        _feeders.add(self)
        try:
            while True:
                self.wakeup.clear()
                await self.feed()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), CHECK_SECONDS)
        finally:
            _feeders.discard(self)


@contextlib.contextmanager
def engine_lock(database_url: str) -> Iterator[bool]:
    """Whether this process may run the engine of the SQLite database (held until exit)."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; one process is all koc runs there
        yield True
        return
    path = f"{sqlite_path(database_url)}.worker.lock"
    handle: IO[str] = open(path, "a")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield True
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
