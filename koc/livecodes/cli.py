"""``koc live-codes check``: publish the GROUP codes running low on targets and the targets
expiring within a day, for codes nobody scanned lately (also a scheduled job, koc.schedules)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from koc.jobs import JobResult, Progress
from koc.livecodes.scans import sweep

RunJob = Callable[[str, Callable[[Progress], Awaitable[JobResult]]], int]


async def check(progress: Progress) -> JobResult:
    checked = await sweep()
    progress.advance(checked)
    return JobResult(f"Checked {checked} GROUP live codes", {"checked": checked})


def register(sub: Any, run_job: RunJob) -> None:
    """Add the ``live-codes`` command to the ``koc`` command line."""

    def cmd_live_codes(args: argparse.Namespace) -> int:
        return run_job("live-codes check", check)

    p = sub.add_parser("live-codes", help="live code jobs")
    p.add_argument(
        "action", choices=["check"], help="publish codes running low and targets expiring"
    )
    p.set_defaults(func=cmd_live_codes)
