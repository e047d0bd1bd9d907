"""``koc live-codes check``: announce GROUP codes running low on targets and targets expiring
within a day, for codes nobody scanned (run it hourly from cron)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from koc.jobs import JobResult, Progress
from koc.livecodes.scans import sweep

RunJob = Callable[[str, Callable[[Progress], Awaitable[JobResult]]], int]


def register(sub: Any, run_job: RunJob) -> None:
    """Add the ``live-codes`` command to the ``koc`` command line."""

    def cmd_live_codes(args: argparse.Namespace) -> int:
        async def work(progress: Progress) -> JobResult:
            checked = await sweep()
            return JobResult(f"Checked {checked} GROUP live codes", {"checked": checked})

        return run_job("live-codes check", work)

    p = sub.add_parser("live-codes", help="live code jobs")
    p.add_argument(
        "action", choices=["check"], help="warn of codes running low and targets expiring"
    )
    p.set_defaults(func=cmd_live_codes)
