"""``koc rewards issue-due``: issue the referral rewards whose hold has passed (run it from cron)."""

from __future__ import annotations

import argparse
from typing import Any


def cmd_rewards(args: argparse.Namespace) -> int:
    from koc.jobs import JobResult, Progress, run_job
    from koc.referrals.services import issue_due_rewards

    async def work(progress: Progress) -> JobResult:
        result = await issue_due_rewards(args.limit, progress)
        return JobResult(
            f"Issued {result.issued} referral rewards, {result.failed} failed",
            {"issued": result.issued},
            failed=result.failed,
        )

    return run_job("rewards issue-due", work)


def register(sub: Any) -> None:
    """Add the ``rewards`` command to the ``koc`` command line."""
    p = sub.add_parser("rewards", help="referral rewards")
    p.add_argument(
        "action", choices=["issue-due"], help="issue PENDING rewards whose hold has passed"
    )
    p.add_argument("--limit", type=int, default=1000, help="at most this many per run")
    p.set_defaults(func=cmd_rewards)
