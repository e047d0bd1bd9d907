"""``koc rewards issue-due``: issue the referral rewards whose hold has passed (run it from cron)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from koc.referrals.rewards import issue_due_rewards


def register(sub: Any, run_with_db: Callable[[Callable[[], Awaitable[Any]]], Any]) -> None:
    """Add the ``rewards`` command to the ``koc`` command line; ``run_with_db`` (from
    ``koc.cli``) runs a coroutine against the database."""

    def cmd_rewards(args: argparse.Namespace) -> int:
        result = run_with_db(lambda: issue_due_rewards(args.limit))
        print(f"Issued {result.issued} referral rewards, {result.failed} failed")
        return 1 if result.failed else 0

    p = sub.add_parser("rewards", help="referral rewards")
    p.add_argument(
        "action", choices=["issue-due"], help="issue PENDING rewards whose hold has passed"
    )
    p.add_argument("--limit", type=int, default=1000, help="at most this many per run")
    p.set_defaults(func=cmd_rewards)
