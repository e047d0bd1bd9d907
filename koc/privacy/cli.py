"""``koc privacy erase-due`` and ``koc privacy retention``: the privacy jobs, run daily."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any


def cmd_privacy(args: argparse.Namespace) -> int:
    from koc.cli import _with_db
    from koc.privacy.erasure import erase_due
    from koc.privacy.retention import purge_events, purge_prospects
    from koc.settings import get_settings

    settings = get_settings()

    async def erase() -> str:
        total = 0
        while done := await erase_due():
            total += done
        return f"Erased {total} members whose cooling-off period ended"

    async def retention() -> str:
        prospects = await purge_prospects(settings.privacy_prospect_retention_days)
        events = await purge_events(settings.privacy_event_retention_days)
        return (
            f"Erased {prospects} prospects who never logged in "
            f"(idle over {settings.privacy_prospect_retention_days} days); "
            f"deleted {events} member events older than "
            f"{settings.privacy_event_retention_days} days"
        )

    work = erase if args.action == "erase-due" else retention
    print(asyncio.run(_with_db(settings, work)))
    return 0


def register(sub: Any) -> None:
    """Add the ``privacy`` command to the ``koc`` command line."""
    p = sub.add_parser("privacy", help="privacy jobs: due erasures, retention")
    p.add_argument(
        "action",
        choices=["erase-due", "retention"],
        help="erase-due: erase members whose cooling-off period ended; retention: erase idle "
        "prospects and delete old member events",
    )
    p.set_defaults(func=cmd_privacy)
