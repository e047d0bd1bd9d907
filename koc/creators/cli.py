"""``koc kocs recompute-scores``: rebuild every member's discovery signals and scores."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any


def cmd_kocs(args: argparse.Namespace) -> int:
    from koc.cli import _with_db
    from koc.creators.signals import rebuild_all
    from koc.settings import get_settings

    count = asyncio.run(_with_db(get_settings(), rebuild_all))
    print(f"Recomputed the KOC candidate scores of {count} members")
    return 0


def register(sub: Any) -> None:
    """Add the ``kocs`` command to the ``koc`` command line."""
    p = sub.add_parser("kocs", help="KOC discovery maintenance")
    p.add_argument(
        "action",
        choices=["recompute-scores"],
        help="rebuild every member's signals from orders, events and campaigns, then rescore",
    )
    p.set_defaults(func=cmd_kocs)
