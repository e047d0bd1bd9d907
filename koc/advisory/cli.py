"""``koc advisory pool-return``: members with no follow-up for ``KOC_ADVISORY_POOL_DAYS`` days
go back to the pool (run it daily from cron until the worker runs it)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from koc.advisory.ownership import return_idle_to_pool
from koc.jobs import JobResult, Progress
from koc.settings import get_settings

RunJob = Callable[[str, Callable[[Progress], Awaitable[JobResult]]], int]


def register(sub: Any, run_job: RunJob) -> None:
    """Add the ``advisory`` command to the ``koc`` command line."""

    def cmd_advisory(args: argparse.Namespace) -> int:
        days = args.days or get_settings().advisory_pool_days

        async def work(progress: Progress) -> JobResult:
            count = await return_idle_to_pool(days, progress=progress)
            return JobResult(
                f"Returned {count} members to the pool (no follow-up for {days} days)",
                {"members": count},
            )

        return run_job("advisory pool-return", work)

    p = sub.add_parser("advisory", help="one-to-one advisory maintenance")
    p.add_argument(
        "action",
        choices=["pool-return"],
        help="members owned with no follow-up for N days go back to the pool",
    )
    p.add_argument("--days", type=int, default=None, help="N (default: KOC_ADVISORY_POOL_DAYS)")
    p.set_defaults(func=cmd_advisory)
