"""A worker process's life: ``koc worker``, and the embedded worker of ``koc serve``.

Both run the same engine (koc.worker.engine) with connections of their own until told to stop.
On SQLite only the process holding the database's engine lock runs it (koc.worker.inbox); any
other waits, doing nothing, so ``koc serve --workers 4`` on SQLite still runs one engine.
"""

from __future__ import annotations

import asyncio
import logging

from koc.settings import Settings
from koc.worker import engine, inbox

logger = logging.getLogger("koc.worker")


def options_of(settings: Settings) -> engine.EngineOptions:
    return engine.EngineOptions(
        retries=settings.worker_max_attempts - 1,
        heartbeat_seconds=settings.worker_heartbeat_seconds,
        batch_size=settings.worker_concurrency,
    )


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    """Run jobs and schedules until ``stop`` is set (Tortoise must be initialised: tasks use
    it)."""
    url = settings.database_url
    options = options_of(settings)
    if not url.startswith("sqlite://"):
        async with engine.engine_for_url(url, pool_size=3) as pgq:
            logger.info("worker started (PostgreSQL)")
            await engine.serve(engine.build(pgq, options, settings), options, stop)
        return
    with inbox.engine_lock(url) as mine:
        if not mine:
            logger.info("another process runs this SQLite database's worker; this one does not")
            await stop.wait()
            return
        async with engine.engine_for_url(url, pool_size=0) as pgq:
            logger.info("worker started (SQLite, in this process)")
            await engine.serve(engine.build(pgq, options, settings), options, stop)
