"""``koc rewards issue-due``: issue the referral rewards whose hold has passed (run it from cron)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from koc.jobs import JobResult, Progress
from koc.referrals.rewards import issue_due_rewards

RunJob = Callable[[str, Callable[[Progress], Awaitable[JobResult]]], int]


async def issue_due(progress: Progress, limit: int = 1000) -> JobResult:
    """Issue up to ``limit`` rewards whose hold has passed (the command and the schedule)."""
    result = await issue_due_rewards(limit, progress)
    return JobResult(
        f"Issued {result.issued} referral rewards, {result.failed} failed",
        {"issued": result.issued},
        failed=result.failed,
    )


def register(sub: Any, run_job: RunJob) -> None:
    """Add the ``rewards`` command to the ``koc`` command line; ``run_job`` (from ``koc.cli``)
    runs a long job against the database."""

    def cmd_rewards(args: argparse.Namespace) -> int:
        return run_job("rewards issue-due", lambda progress: issue_due(progress, args.limit))

    p = sub.add_parser("rewards", help="referral rewards")
    p.add_argument(
        "action", choices=["issue-due"], help="issue PENDING rewards whose hold has passed"
    )
    p.add_argument("--limit", type=int, default=1000, help="at most this many per run")
    p.set_defaults(func=cmd_rewards)
