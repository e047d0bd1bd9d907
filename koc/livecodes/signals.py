"""What a live code announces: it is running out of group targets, or a target expires within a
day. The one place these leave the feature: a log line now, typed events once koc has them."""

from __future__ import annotations

import logging
from dataclasses import dataclass

logger = logging.getLogger("koc.livecodes")


@dataclass(frozen=True)
class TargetsRunningLow:
    live_code_id: int
    slug: str
    usable_targets: int
    low_targets: int


@dataclass(frozen=True)
class TargetExpiring:
    live_code_id: int
    slug: str
    target_id: int
    expires_at: str


async def announce(signal: TargetsRunningLow | TargetExpiring) -> None:
    """Tell the world (call inside the transaction that noticed it)."""
    logger.warning("live code %s: %s", signal.slug, signal)
