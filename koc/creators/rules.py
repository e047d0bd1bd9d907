"""Pure rules of the KOC lifecycle: status transitions, reapplication cooldown, certificates,
role lists and the links members attach."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from koc.creators.models import KocRole, KocStatus

# CANDIDATE -> ACTIVE -> PAUSED or RETIRED; a paused KOC resumes, a retired one may be
# reinstated. Nothing goes back to CANDIDATE.
TRANSITIONS: dict[KocStatus, frozenset[KocStatus]] = {
    KocStatus.CANDIDATE: frozenset({KocStatus.ACTIVE}),
    KocStatus.ACTIVE: frozenset({KocStatus.PAUSED, KocStatus.RETIRED}),
    KocStatus.PAUSED: frozenset({KocStatus.ACTIVE, KocStatus.RETIRED}),
    KocStatus.RETIRED: frozenset({KocStatus.ACTIVE}),
}

# Members holding (or having held) the identity: no longer listed as candidates.
RANKED_OUT = frozenset({KocStatus.ACTIVE, KocStatus.PAUSED, KocStatus.RETIRED})
# Members who may not apply or be nominated: they already are KOCs.
HOLDS_IDENTITY = frozenset({KocStatus.ACTIVE, KocStatus.PAUSED})

GOOD_RATING = 4
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
MAX_URL_LENGTH = 500


def can_transition(current: KocStatus, target: KocStatus) -> bool:
    return target in TRANSITIONS[current]


def reapply_at(rejected_at: datetime, cooldown_days: int) -> datetime:
    """When a member whose application was rejected at ``rejected_at`` may apply again."""
    return rejected_at + timedelta(days=cooldown_days)


def certificate_number(year: int, sequence: int) -> str:
    """The human-readable certificate number, e.g. KOC-2026-000123."""
    return f"KOC-{year}-{sequence:06d}"


def unique_roles(roles: Iterable[KocRole]) -> list[KocRole]:
    """The roles without repeats, in the canonical order CONTENT, EXPERIENCE, CO_CREATION."""
    given = set(roles)
    return [r for r in KocRole if r in given]


def is_url(value: str) -> bool:
    return len(value) <= MAX_URL_LENGTH and URL_RE.match(value) is not None
