"""Tasks for the tests that run real worker processes, and the process itself:
``python -m tests.worker.process_tasks DATABASE_URL`` is ``koc worker`` with these tasks loaded.

Each run of a task writes rows to ``test_worker_run`` (created here), so a test reads from the
database which process ran which job, when, and how often.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from koc.db import execute, fetch
from koc.worker import task

TABLE = """CREATE TABLE IF NOT EXISTS test_worker_run (
  n INTEGER NOT NULL, pid INTEGER NOT NULL, event VARCHAR(8) NOT NULL, at DOUBLE PRECISION NOT NULL
)"""


async def _record(n: int, event: str) -> None:
    await execute(
        "INSERT INTO test_worker_run (n, pid, event, at) VALUES (?, ?, ?, ?)",
        [n, os.getpid(), event, time.time()],
    )


@task("tests.process.short")
async def short(n: int) -> None:
    """A job of 20 ms that says when it started and ended."""
    await _record(n, "start")
    await asyncio.sleep(0.02)
    await _record(n, "end")


@task("tests.process.stuck_once")
async def stuck_once(n: int) -> None:
    """Hangs on its first run (the test kills the worker meanwhile), finishes on the next."""
    await _record(n, "start")
    if len(await fetch("SELECT 1 FROM test_worker_run WHERE n = ? AND event = 'start'", [n])) == 1:
        await asyncio.sleep(3600)
    await _record(n, "end")


def main(database_url: str) -> None:
    import signal

    from tortoise import Tortoise

    from koc.db import tortoise_config
    from koc.settings import get_settings
    from koc.tasks import register_all
    from koc.wiring import connect_all
    from koc.worker.process import run_worker

    connect_all()  # as koc worker does
    register_all()

    os.environ["KOC_DATABASE_URL"] = database_url
    settings = get_settings()
    settings = settings.model_copy(
        update={name: "" for name in type(settings).model_fields if name.startswith("schedule_")}
    )

    async def run() -> None:
        await Tortoise.init(config=tortoise_config(database_url))
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        try:
            await run_worker(settings, stop)
        finally:
            await Tortoise.close_connections()

    asyncio.run(run())


if __name__ == "__main__":
    main(sys.argv[1])
