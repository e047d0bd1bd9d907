"""``koc advisory pool-return`` and ``koc advisory remind-due``: the scheduled jobs of advisory
(koc.schedules runs them on the worker), as commands that run them once."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from koc.advisory.followups import remind_due as publish_due_reminders
from koc.advisory.ownership import return_idle_to_pool
from koc.jobs import JobResult, Progress
from koc.settings import get_settings

RunJob = Callable[[str, Callable[[Progress], Awaitable[JobResult]]], int]


async def pool_return(progress: Progress) -> JobResult:
    """Members with no follow-up for ``KOC_ADVISORY_POOL_DAYS`` go back to the pool (the
    command and the schedule)."""
    days = get_settings().advisory_pool_days
    count = await return_idle_to_pool(days, progress=progress)
    return JobResult(
        f"Returned {count} members to the pool (no follow-up for {days} days)", {"members": count}
    )


async def remind_due(progress: Progress) -> JobResult:
    """Publish followup.due for the next actions that came due (the command and the
    schedule)."""
    count = await publish_due_reminders(progress=progress)
    return JobResult(f"Reminded advisors of {count} next actions", {"reminders": count})


def register(sub: Any, run_job: RunJob) -> None:
    """Add the ``advisory`` command to the ``koc`` command line."""

    def cmd_advisory(args: argparse.Namespace) -> int:
        work = pool_return if args.action == "pool-return" else remind_due
        return run_job(f"advisory {args.action}", work)

    p = sub.add_parser("advisory", help="one-to-one advisory maintenance")
    p.add_argument(
        "action",
        choices=["pool-return"],
        help="members owned with no follow-up for N days go back to the pool",
    )
    p.add_argument("--days", type=int, default=None, help="N (default: KOC_ADVISORY_POOL_DAYS)")
    p.set_defaults(func=cmd_advisory)
