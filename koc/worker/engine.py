"""The queue engine: PgQueuer, on PostgreSQL's own tables or in memory for SQLite.

PostgreSQL: every ``koc worker`` process (and each ``koc serve`` with the embedded worker on)
runs one PgQueuer over its own small asyncpg pool. PgQueuer claims jobs with
``FOR UPDATE SKIP LOCKED`` (no job runs twice at once, on any number of machines), wakes on
``LISTEN/NOTIFY`` (its insert trigger notifies at commit), heartbeats running jobs and re-picks
a job whose worker stopped heartbeating (``kill -9``) after ``KOC_WORKER_HEARTBEAT_SECONDS``,
and fires each schedule once per tick across all workers.

SQLite: one process per database file holds the engine (koc.worker.inbox takes an OS lock):
PgQueuer's in-memory engine, fed from the ``worker_inbox_job`` table. The same entrypoints,
executors, retry policy and schedules run on both.

``enqueue`` never goes through the engine's connections: it writes in the caller's transaction.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pgqueuer import PgQueuer
from pgqueuer.adapters.persistence.queries import Queries
from pgqueuer.core.executors import DatabaseRetryEntrypointExecutor, EntrypointExecutorParameters
from pgqueuer.domain import errors as pgq_errors
from pgqueuer.domain.models import Context, Job, Schedule
from tortoise.connection import connections

from koc.db import on_postgres
from koc.worker import inbox
from koc.worker.inbox import payload_of
from koc.worker.registry import PERIODICS, RESOURCES, TASKS, schedule_of, task_function

logger = logging.getLogger("koc.worker")


class TransactionDriver:
    """PgQueuer's driver over Tortoise's current connection (or ``client``): inside
    ``in_transaction()`` that is the transaction's, so the job row commits or rolls back with
    the caller's change. It only writes (enqueue, install); listening is the engine's
    business."""

    def __init__(self, client: Any = None) -> None:
        self.client = client

    async def fetch(self, query: str, *args: object) -> list[dict[str, object]]:
        conn = self.client or connections.get("default")
        return [dict(row) for row in await conn.execute_query_dict(query, list(args))]

    async def execute(self, query: str, *args: object) -> str:
        conn = self.client or connections.get("default")
        if args:
            await conn.execute_query(query, list(args))
        else:
            await conn.execute_script(query)
        return ""


async def enqueue(task_name: str, run_after: datetime | None = None, **kwargs: Any) -> None:
    """Add a job of ``task_name`` with ``kwargs`` (JSON-serialisable) to the queue, inside the
    current transaction: when it rolls back, the job does not exist. It runs at ``run_after``
    (UTC) at the earliest, or as soon as a worker is free."""
    await enqueue_many(task_name, [kwargs], run_after)


async def enqueue_many(
    task_name: str, jobs: Sequence[dict[str, Any]], run_after: datetime | None = None
) -> None:
    """``enqueue`` of one job per ``jobs`` item, in one statement: a dispatch hands a thousand
    deliveries to the workers at once, not one round trip each."""
    task_function(task_name)  # an unknown task is a bug of the caller: fail now, not in a worker
    for kwargs in jobs:
        json.dumps(kwargs)  # the same for arguments a worker could not read back
    if run_after is not None and run_after.tzinfo is None:
        raise ValueError("run_after must be timezone-aware (UTC)")
    if not jobs:
        return
    if not on_postgres():
        await inbox.add(task_name, jobs, run_after)
        return
    delay = max(run_after - datetime.now(UTC), timedelta(0)) if run_after else None
    await Queries(TransactionDriver()).enqueue(  # type: ignore[arg-type]
        [task_name] * len(jobs),
        [payload_of(kwargs) for kwargs in jobs],
        [0] * len(jobs),
        [delay] * len(jobs),
    )


@dataclass(frozen=True)
class EngineOptions:
    retries: int = 7
    heartbeat_seconds: float = 30.0
    concurrency: int = 10  # jobs one worker runs at once

    @property
    def batch_size(self) -> int:
        # PgQueuer claims in batches and wants its cap at least two batches
        return max(1, self.concurrency // 2)


def _executor_factory(options: EngineOptions) -> Any:
    def make(parameters: EntrypointExecutorParameters) -> DatabaseRetryEntrypointExecutor:
        return _KocExecutor(parameters=parameters, max_attempts=options.retries)

    return make


@dataclass
class _KocExecutor(DatabaseRetryEntrypointExecutor):
    """PgQueuer's retry executor (exponential backoff up to ``max_attempts``) that also records
    a job's final failure."""

    async def execute(self, job: Job, context: Context) -> None:
        try:
            await super().execute(job, context)
        except pgq_errors.RetryRequested as retry:
            logger.warning(
                "%s failed (attempt %d), retried in %s: %s",
                job.entrypoint,
                job.attempts + 1,
                retry.delay,
                retry.reason,
                extra={"job": job.entrypoint},
            )
            raise
        except Exception as exc:
            logger.exception("%s failed for good", job.entrypoint, extra={"job": job.entrypoint})
            message = json.loads(job.payload or b"{}")
            if message.get("inbox_id") is not None:
                await inbox.failed(message["inbox_id"], f"{type(exc).__name__}: {exc}")
            raise


async def _run_job(job: Job) -> None:
    message = json.loads(job.payload or b"{}")
    await task_function(job.entrypoint)(**message["kwargs"])
    if message.get("inbox_id") is not None:
        await inbox.done(message["inbox_id"])


def _run_periodic(name: str) -> Any:
    async def run(schedule: Schedule) -> None:
        await task_function(name)()

    return run


def build(pgq: PgQueuer, options: EngineOptions, settings: Any | None) -> PgQueuer:
    """Register every task (and, with ``settings``, every schedule that is on) on ``pgq``."""
    factory = _executor_factory(options)
    for name in sorted(TASKS):
        pgq.entrypoint(name, on_failure="hold", executor_factory=factory)(_run_job)
    for periodic in PERIODICS.values() if settings is not None else ():
        expression = schedule_of(periodic, settings)
        if expression:
            pgq.schedule(periodic.task, expression)(_run_periodic(periodic.task))
    return pgq


@asynccontextmanager
async def engine_for_tortoise() -> AsyncIterator[PgQueuer]:
    """A PgQueuer for the database Tortoise is connected to: PostgreSQL through the pool of
    Tortoise's client (koc.asyncpg_engine keeps it public), SQLite in memory."""
    if on_postgres():
        pool = connections.get("default").pool
        yield PgQueuer.from_asyncpg_pool(pool)
    else:
        yield PgQueuer.in_memory()


@asynccontextmanager
async def engine_for_url(database_url: str, pool_size: int) -> AsyncIterator[PgQueuer]:
    """A PgQueuer with connections of its own (a worker process): its listener and claims do
    not wait behind the tasks' queries in Tortoise's pool."""
    if not database_url.startswith("sqlite://"):
        import asyncpg

        dsn = database_url.replace("postgres://", "postgresql://", 1)
        async with asyncpg.create_pool(dsn, min_size=2, max_size=max(pool_size, 3)) as pool:
            yield PgQueuer.from_asyncpg_pool(pool)
    else:
        yield PgQueuer.in_memory()


@asynccontextmanager
async def _resources() -> AsyncIterator[None]:
    """Every worker resource (koc.worker.registry.worker_resource) open: the jobs' tasks are
    created inside, so they see them."""
    async with AsyncExitStack() as stack:
        for factory in RESOURCES:
            await stack.enter_async_context(factory())
        yield


async def serve(pgq: PgQueuer, options: EngineOptions, stop: asyncio.Event) -> None:
    """Run ``pgq`` until ``stop`` is set; on SQLite the inbox feeds it meanwhile."""
    async with _resources():
        await _serve(pgq, options, stop)


async def _serve(pgq: PgQueuer, options: EngineOptions, stop: asyncio.Event) -> None:
    feeder = asyncio.create_task(inbox.Feeder(pgq).forever()) if not on_postgres() else None
    runner = asyncio.create_task(
        pgq.run(
            batch_size=options.batch_size,
            max_concurrent_tasks=max(options.concurrency, 2 * options.batch_size),
            heartbeat_timeout=timedelta(seconds=options.heartbeat_seconds),
        )
    )
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({runner, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        pgq.shutdown.set()
        stopped.cancel()
        if feeder is not None:
            feeder.cancel()
        await asyncio.gather(runner, *([feeder] if feeder else []), return_exceptions=True)
        if runner.done() and not runner.cancelled() and runner.exception():
            raise runner.exception()  # type: ignore[misc]


async def drain(pgq: PgQueuer, options: EngineOptions) -> None:
    """Run every due job of ``pgq`` to completion, including jobs those jobs enqueue, then
    stop. Jobs due later (``run_after``, a retry's backoff) stay queued."""
    async with _resources():
        await _drain(pgq, options)


async def _drain(pgq: PgQueuer, options: EngineOptions) -> None:
    feeder = None if on_postgres() else inbox.Feeder(pgq)
    if feeder:
        await feeder.feed(due_only=True)
    runner = asyncio.create_task(
        pgq.qm.run(
            dequeue_timeout=timedelta(milliseconds=50),
            batch_size=options.batch_size,
            heartbeat_timeout=timedelta(seconds=options.heartbeat_seconds),
            log_aggregation_interval=timedelta(0),
        )
    )
    entrypoints = list(pgq.qm.entrypoint_registry)
    idle = 0
    try:
        while not runner.done() and idle < 2:
            await asyncio.sleep(0.02)
            if feeder:
                await feeder.feed(due_only=True)
            busy = bool(pgq.qm.job_context)
            busy = busy or await pgq.qm.queries.eligible_queued_work(entrypoints) > 0
            idle = 0 if busy else idle + 1
    finally:
        pgq.qm.shutdown.set()
        await runner


async def run_pending_jobs(retries: int = 0) -> None:
    """Run every due job to completion in this process, through the engine's own code path
    (the tests' helper: they assert on what jobs did). A job that fails is, by default, not
    retried (``retries``) but held as failed, so a test sees the failure at once."""
    options = EngineOptions(retries=retries)
    async with engine_for_tortoise() as pgq:
        await drain(build(pgq, options, settings=None), options)
