"""Long work a mutation starts, with a status its caller can query (queued, running with
progress, done with a summary, failed with a reason).

A feature declares ``@tracked_task("badges.award_qualifying")`` on
``async def work(progress: Progress, **kwargs) -> str`` (the summary) and starts it with
``await start_job("badges.award_qualifying", staff_id=..., **kwargs)`` inside its mutation's
transaction. The work reports progress through koc.jobs' ``Progress``, as the command-line jobs
do; here it lands in the ``worker_job`` row, written at most every ``FLUSH_SECONDS``.

A tracked job is not retried when it raises (the caller reads the reason and decides); one whose
worker died is run again from the start, so its work must be safe to repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from koc.errors import DomainError
from koc.worker.engine import enqueue
from koc.worker.models import Job, JobStatus
from koc.worker.registry import task

logger = logging.getLogger("koc.worker")
FLUSH_SECONDS = 0.5

TrackedWork = Callable[..., Awaitable[str]]


class StoredProgress:
    """koc.jobs' Progress, kept in the job's row by a writer running beside the work."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.done = 0
        self.total: int | None = None
        self._written: tuple[int, int | None] = (0, None)

    def expect(self, more: int) -> None:
        self.total = (self.total or 0) + more

    def advance(self, done: int = 1) -> None:
        self.done += done

    async def write(self) -> None:
        if (self.done, self.total) != self._written:
            self._written = (self.done, self.total)
            await Job.filter(id=self.job_id).update(done=self.done, total=self.total)

    async def write_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            await self.write()


def tracked_task(name: str) -> Callable[[TrackedWork], TrackedWork]:
    """Register ``work(progress, **kwargs) -> summary`` as the tracked task ``name``."""

    def register(work: TrackedWork) -> TrackedWork:
        async def run(job_id: int, **kwargs: Any) -> None:
            job = await Job.get_or_none(id=job_id)
            if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
                return  # finished before its worker died: nothing to do again
            await Job.filter(id=job_id).update(
                status=JobStatus.RUNNING, started_at=datetime.now(UTC), done=0, total=None
            )
            progress = StoredProgress(job_id)
            writer = asyncio.create_task(progress.write_forever())
            try:
                summary = await work(progress, **kwargs)
            except DomainError as exc:
                outcome = {"status": JobStatus.FAILED, "error": exc.message}
            except Exception:
                logger.exception("job %d (%s) failed", job_id, name, extra={"job": name})
                outcome = {
                    "status": JobStatus.FAILED,
                    "error": f"An unexpected error stopped the job; the logs tell more (job {job_id}).",
                }
            else:
                outcome = {"status": JobStatus.DONE, "summary": summary}
            finally:
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await writer
            await progress.write()
            await Job.filter(id=job_id).update(finished_at=datetime.now(UTC), **outcome)

        task(name)(run)
        return work

    return register


async def start_job(name: str, *, staff_id: int | None, **kwargs: Any) -> Job:
    """Record a QUEUED job and enqueue its task, in the current transaction (or one of its
    own): the caller's change and its job commit or roll back together."""
    async with in_transaction():
        job = await Job.create(kind=name, staff_id=staff_id)
        await enqueue(name, job_id=job.id, **kwargs)
    return job
