"""Job throughput of koc workers on PostgreSQL: 1 worker process against 2 (and more).

    python bench/workers.py --database-url postgres://postgres@127.0.0.1:5432/koc_bench_workers
    python bench/workers.py --database-url ... --jobs 5000 --workers 1,2,4 --out bench/results/

The database is dropped and created again, then migrated (``koc migrate``). For each worker
count: ``--jobs`` jobs are enqueued in one transaction, then that many worker processes start
(``python bench/workers.py --serve URL``: ``koc worker`` with the bench task loaded). Each job
does what a webhook delivery does: it waits ``--wait-ms`` for its receiver (0: none), then reads
a row and writes one. The jobs are due ``--startup`` seconds after they are enqueued, so every
worker process is up before the first one runs; throughput is jobs over the time from the first
job's start to the last one's end. Every job must have run exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from koc.worker import task  # noqa: E402

TABLE = """CREATE TABLE IF NOT EXISTS bench_job_run (
  n INTEGER NOT NULL, pid INTEGER NOT NULL, started DOUBLE PRECISION NOT NULL,
  ended DOUBLE PRECISION NOT NULL
)"""


@task("bench.job")
async def bench_job(n: int, wait_ms: int) -> None:
    from koc.db import execute, fetch

    started = time.time()
    await asyncio.sleep(wait_ms / 1000)
    await fetch("SELECT id, nickname FROM member ORDER BY id LIMIT 1")
    await execute(
        "INSERT INTO bench_job_run (n, pid, started, ended) VALUES (?, ?, ?, ?)",
        [n, os.getpid(), started, time.time()],
    )


def env_for(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOC_")}
    env.update(KOC_DATABASE_URL=url, PYTHONPATH=str(ROOT))
    # the bench measures jobs; the schedules stay off
    for name in (
        "REWARDS_ISSUE_DUE",
        "BENEFITS_REFRESH",
        "KOCS_RECOMPUTE_SCORES",
        "REFERRALS_ROLLUP_REBUILD",
        "PRIVACY_ERASE_DUE",
        "PRIVACY_RETENTION",
    ):
        env[f"KOC_SCHEDULE_{name}"] = ""
    return env


def serve(url: str) -> None:
    """One worker process: ``koc worker`` with this module's task."""
    from tortoise import Tortoise

    from koc.db import tortoise_config
    from koc.settings import get_settings
    from koc.tasks import register_all
    from koc.wiring import connect_all
    from koc.worker.process import run_worker

    connect_all()  # as koc worker does
    register_all()

    async def run() -> None:
        await Tortoise.init(config=tortoise_config(url))
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        try:
            await run_worker(get_settings(), stop)
        finally:
            await Tortoise.close_connections()

    asyncio.run(run())


async def _sql(url: str, *statements: str) -> list[list[tuple]]:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        return [[tuple(r) for r in await conn.fetch(s)] for s in statements]
    finally:
        await conn.close()


async def recreate(url: str) -> None:
    base, name = url.rsplit("/", 1)
    await _sql(
        f"{base}/postgres",
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}"',
    )


async def enqueue_jobs(url: str, jobs: int, wait_ms: int, startup: float) -> None:
    from tortoise import Tortoise
    from tortoise.transactions import in_transaction

    from koc.db import execute, tortoise_config
    from koc.worker import enqueue

    await Tortoise.init(config=tortoise_config(url))
    try:
        await execute(TABLE, [])
        await execute("TRUNCATE bench_job_run", [])
        await execute(
            "INSERT INTO member (nickname, avatar_url, gender, region, source_channel, "
            "order_count, created_at) VALUES ('bench', '', 'UNKNOWN', '', '', 0, NOW())",
            [],
        )
        due = datetime.now(UTC) + timedelta(seconds=startup)
        async with in_transaction():
            for n in range(jobs):
                await enqueue("bench.job", run_after=due, n=n, wait_ms=wait_ms)
    finally:
        await Tortoise.close_connections()


def measure(url: str, jobs: int, workers: int, wait_ms: int, startup: float) -> dict[str, float]:
    asyncio.run(enqueue_jobs(url, jobs, wait_ms, startup))
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--serve", url],
            env=env_for(url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        deadline = time.monotonic() + 600
        while True:
            ((count,),) = asyncio.run(_sql(url, "SELECT COUNT(*) FROM bench_job_run"))[0]
            if count >= jobs or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(timeout=30)
    (rows,) = asyncio.run(_sql(url, "SELECT n, pid, started, ended FROM bench_job_run"))
    runs = Counter(n for n, *_ in rows)
    assert runs == Counter(range(jobs)), "every job must run exactly once"
    seconds = max(r[3] for r in rows) - min(r[2] for r in rows)
    shares = sorted(Counter(r[1] for r in rows).values(), reverse=True)
    return {
        "wait_ms": wait_ms,
        "workers": workers,
        "jobs": jobs,
        "seconds": round(seconds, 2),
        "jobs_per_second": round(jobs / seconds, 1),
        "jobs_per_worker": shares,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=False)
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--workers", default="1,2", help="worker counts to compare")
    parser.add_argument(
        "--wait-ms", default="0,50", help="each job's wait for its receiver, ms (several: each)"
    )
    parser.add_argument("--startup", type=float, default=10.0, help="seconds for workers to start")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    url = args.database_url
    if not url or not url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url postgres://... (several workers need PostgreSQL)")
    asyncio.run(recreate(url))
    subprocess.run([sys.executable, "-m", "koc.cli", "migrate"], env=env_for(url), check=True)
    results = [
        measure(url, args.jobs, int(w), int(wait), args.startup)
        for wait in args.wait_ms.split(",")
        for w in args.workers.split(",")
    ]
    lines = [
        "| job waits (ms) | workers | jobs | seconds | jobs/s | jobs per worker |",
        "|---:|---:|---:|---:|---:|---|",
        *(
            f"| {r['wait_ms']} | {r['workers']} | {r['jobs']} | {r['seconds']} | "
            f"{r['jobs_per_second']} | "
            f"{' / '.join(map(str, r['jobs_per_worker']))} |"
            for r in results
        ),
    ]
    print("\n".join(lines))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "workers-postgres.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "workers-postgres.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
