"""``koc kocs recompute-scores``: rebuild every member's discovery signals and scores."""

from __future__ import annotations

import argparse
from typing import Any


def cmd_kocs(args: argparse.Namespace) -> int:
    from koc.creators.signals import rebuild_all
    from koc.jobs import JobResult, Progress, run_job

    async def work(progress: Progress) -> JobResult:
        count = await rebuild_all(progress)
        return JobResult(
            f"Recomputed the KOC candidate scores of {count} members", {"members": count}
        )

    return run_job("kocs recompute-scores", work)


def register(sub: Any) -> None:
    """Add the ``kocs`` command to the ``koc`` command line."""
    p = sub.add_parser("kocs", help="KOC discovery maintenance")
    p.add_argument(
        "action",
        choices=["recompute-scores"],
        help="rebuild every member's signals from orders, events and campaigns, then rescore",
    )
    p.set_defaults(func=cmd_kocs)
