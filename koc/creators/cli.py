"""``koc kocs recompute-scores``: rebuild every member's discovery signals and scores."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from koc.creators.signals import rebuild_all


def register(sub: Any, run_with_db: Callable[[Callable[[], Awaitable[Any]]], Any]) -> None:
    """Add the ``kocs`` command to the ``koc`` command line; ``run_with_db`` (from ``koc.cli``)
    runs a coroutine against the database."""

    def cmd_kocs(args: argparse.Namespace) -> int:
        count = run_with_db(rebuild_all)
        print(f"Recomputed the KOC candidate scores of {count} members")
        return 0

    p = sub.add_parser("kocs", help="KOC discovery maintenance")
    p.add_argument(
        "action",
        choices=["recompute-scores"],
        help="rebuild every member's signals from orders, events and campaigns, then rescore",
    )
    p.set_defaults(func=cmd_kocs)
