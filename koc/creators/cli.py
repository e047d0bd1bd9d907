"""``koc kocs recompute-scores``: rebuild every member's discovery signals and rescore them."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from koc.creators.signals import rebuild_all
from koc.jobs import JobResult, Progress

RunJob = Callable[[str, Callable[[Progress], Awaitable[JobResult]]], int]


async def recompute_scores(progress: Progress) -> JobResult:
    """Rebuild every member's signals and rescore them (the command and the schedule)."""
    count = await rebuild_all(progress)
    return JobResult(f"Recomputed the KOC candidate scores of {count} members", {"members": count})


def register(sub: Any, run_job: RunJob) -> None:
    """Add the ``kocs`` command to the ``koc`` command line; ``run_job`` (from ``koc.cli``)
    runs a long job against the database."""

    def cmd_kocs(args: argparse.Namespace) -> int:
        return run_job("kocs recompute-scores", recompute_scores)

    p = sub.add_parser("kocs", help="KOC discovery maintenance")
    p.add_argument(
        "action",
        choices=["recompute-scores"],
        help="rebuild every member's signals from orders, events and campaigns, then rescore",
    )
    p.set_defaults(func=cmd_kocs)
