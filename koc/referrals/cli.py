"""``koc rewards issue-due``: issue the referral rewards whose hold has passed (run it from cron)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any


def cmd_rewards(args: argparse.Namespace) -> int:
    from koc.cli import _with_db
    from koc.referrals.rewards import issue_due_rewards
    from koc.settings import get_settings

    result = asyncio.run(_with_db(get_settings(), lambda: issue_due_rewards(args.limit)))
    print(f"Issued {result.issued} referral rewards, {result.failed} failed")
    return 1 if result.failed else 0


def register(sub: Any) -> None:
    """Add the ``rewards`` command to the ``koc`` command line."""
    p = sub.add_parser("rewards", help="referral rewards")
    p.add_argument(
        "action", choices=["issue-due"], help="issue PENDING rewards whose hold has passed"
    )
    p.add_argument("--limit", type=int, default=1000, help="at most this many per run")
    p.set_defaults(func=cmd_rewards)
