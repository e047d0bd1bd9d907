"""The pure rules of live codes: what a slug and a channel look like, which target a GROUP code
serves, and when it warns. No database: unit-tested on plain values."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# A code names itself in a login scene and in a WeCom ``state`` (at most 30 characters) as
# ``lc-<slug>``, so a slug is at most 27 characters.
SCENE_PREFIX = "lc-"
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{2,26}")
CHANNEL_RE = re.compile(r"[a-z0-9_]{1,32}")
PAGE_RE = re.compile(r"[A-Za-z0-9_\-/]{1,200}")
IMAGE_URL_RE = re.compile(r"https?://\S{1,490}")
EXPIRING_WITHIN = timedelta(days=1)
MAX_CAPACITY = 100_000


def valid_slug(slug: str) -> bool:
    return SLUG_RE.fullmatch(slug) is not None


def scene_of(slug: str) -> str:
    """The scene (and WeCom state) that names the code ``slug``."""
    return SCENE_PREFIX + slug


def slug_of_scene(scene: str | None) -> str | None:
    """The slug a scene or state names, or None when it names no live code."""
    if not scene or not scene.startswith(SCENE_PREFIX):
        return None
    slug = scene[len(SCENE_PREFIX) :]
    return slug if valid_slug(slug) else None


@dataclass(frozen=True)
class Target:
    """What rotation needs to know of a group QR target."""

    id: int
    position: int
    capacity: int
    served: int
    expires_at: datetime
    active: bool = True
    warned_expiring: bool = False

    def usable(self, at: datetime) -> bool:
        return self.active and self.served < self.capacity and self.expires_at > at


def serving(targets: Sequence[Target], at: datetime) -> Target | None:
    """The target a scan at ``at`` is sent to: the first by position that is neither full, nor
    expired, nor switched off."""
    return next(
        (t for t in sorted(targets, key=lambda t: (t.position, t.id)) if t.usable(at)), None
    )


def usable_count(targets: Sequence[Target], at: datetime) -> int:
    return sum(1 for t in targets if t.usable(at))


def running_low(targets: Sequence[Target], at: datetime, low_targets: int) -> bool:
    """Fewer than ``low_targets`` targets can still be served."""
    return usable_count(targets, at) < low_targets


def expiring(targets: Sequence[Target], at: datetime) -> list[Target]:
    """Usable targets that expire within a day and were not warned about yet."""
    return [
        t
        for t in targets
        if t.usable(at) and not t.warned_expiring and t.expires_at <= at + EXPIRING_WITHIN
    ]
