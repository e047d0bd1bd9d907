"""``koc privacy erase-due`` and ``koc privacy retention``: the privacy jobs, run daily."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from koc.jobs import JobResult, Progress
from koc.privacy.erasure import erase_due
from koc.privacy.retention import purge_events, purge_prospects
from koc.settings import get_settings

RunJob = Callable[[str, Callable[[Progress], Awaitable[JobResult]]], int]


async def erase(progress: Progress) -> JobResult:
    total = 0
    while done := await erase_due():
        total += done
        progress.advance(done)
    return JobResult(f"Erased {total} members whose cooling-off period ended", {"erased": total})


async def retention(progress: Progress) -> JobResult:
    settings = get_settings()
    progress.expect(2)
    prospects = await purge_prospects(settings.privacy_prospect_retention_days)
    progress.advance()
    events = await purge_events(settings.privacy_event_retention_days)
    progress.advance()
    return JobResult(
        f"Erased {prospects} prospects who never logged in "
        f"(idle over {settings.privacy_prospect_retention_days} days); "
        f"deleted {events} member events older than {settings.privacy_event_retention_days} days",
        {"prospects": prospects, "events": events},
    )


def register(sub: Any, run_job: RunJob) -> None:
    """Add the ``privacy`` command to the ``koc`` command line; ``run_job`` (from ``koc.cli``)
    runs a long job against the database."""

    def cmd_privacy(args: argparse.Namespace) -> int:
        work = erase if args.action == "erase-due" else retention
        return run_job(f"privacy {args.action}", work)

    p = sub.add_parser("privacy", help="privacy jobs: due erasures, retention")
    p.add_argument(
        "action",
        choices=["erase-due", "retention"],
        help="erase-due: erase members whose cooling-off period ended; retention: erase idle "
        "prospects and delete old member events",
    )
    p.set_defaults(func=cmd_privacy)
