"""``koc segments recompute``: every tag rule over every member (the command and the schedule).

Facts change without an event when time passes (a ``withinDays`` window moves on) or when a
profile field changes (region, last active); the periodic recompute is what catches those.
It first refreshes SQLite's planner statistics, which every segment count and page relies on
to start from a rule's most selective fact (koc.segments.compile.refresh_statistics).
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from koc.jobs import JobResult, Progress
from koc.segments.compile import refresh_statistics
from koc.segments.layering import recompute_all

RunJob = Callable[[str, Callable[[Progress], Awaitable[JobResult]]], int]


async def recompute(progress: Progress) -> JobResult:
    """Refresh the planner's statistics, then re-layer every member by every tag rule."""
    await refresh_statistics()
    done = await recompute_all()
    return JobResult(
        f"Tag rules: {done.added} tags added, {done.removed} removed",
        {"added": done.added, "removed": done.removed},
    )


def register(sub: Any, run_job: RunJob) -> None:
    """Add the ``segments`` command to the ``koc`` command line."""

    def cmd_segments(args: argparse.Namespace) -> int:
        return run_job("segments recompute", recompute)

    p = sub.add_parser("segments", help="automatic layering maintenance")
    p.add_argument(
        "action",
        choices=["recompute"],
        help="refresh the planner statistics, then re-evaluate every tag rule over every member "
        "(time windows, profile changes)",
    )
    p.set_defaults(func=cmd_segments)
