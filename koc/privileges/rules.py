"""Pure privilege logic: eligibility criteria, quota periods, grant expiry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from koc.privileges.models import EligibilityMatch, QuotaPeriod

ANY_ROLE = "*"
ROLE_RE = re.compile(r"^(\*|[A-Za-z0-9_\-]{1,32})$")
MAX_CONDITIONS = 50


@dataclass(frozen=True)
class Criteria:
    """Who a privilege is for. Each listed role, stage, badge and tag is one condition; the
    member needs ANY one of them or ALL of them. No condition: granted by staff only."""

    match: EligibilityMatch = EligibilityMatch.ANY
    koc_roles: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    badges: tuple[str, ...] = ()
    tag_ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def automatic(self) -> bool:
        return bool(self.koc_roles or self.stages or self.badges or self.tag_ids)

    def dimensions(self) -> frozenset[str]:
        """Which member facts the criteria read: roles, stages, badges, tags."""
        present = {
            "roles": self.koc_roles,
            "stages": self.stages,
            "badges": self.badges,
            "tags": self.tag_ids,
        }
        return frozenset(name for name, values in present.items() if values)

    def problem(self) -> tuple[str, str] | None:
        """(field, message) of what is wrong with the shape of the criteria, or None."""
        count = len(self.koc_roles) + len(self.stages) + len(self.badges) + len(self.tag_ids)
        if count > MAX_CONDITIONS:
            return "eligibility", f"At most {MAX_CONDITIONS} conditions."
        for role in self.koc_roles:
            if not ROLE_RE.match(role):
                return "eligibility.kocRoles", f"{role!r} is not a role code (or * for any)."
        for name, values in (("stages", self.stages), ("badges", self.badges)):
            if any(not 1 <= len(v) <= 64 for v in values):
                return f"eligibility.{name}", "Codes are 1-64 characters."
        return None


def period_key(period: QuotaPeriod, now: datetime) -> str:
    """The quota bucket ``now`` falls in (calendar periods in UTC)."""
    if period is QuotaPeriod.YEAR:
        return f"{now.year:04d}"
    if period is QuotaPeriod.MONTH:
        return f"{now.year:04d}-{now.month:02d}"
    return "all"


def grant_expiry(
    now: datetime, ends_at: datetime | None, grant_days: int | None
) -> datetime | None:
    """When a grant made ``now`` expires: after ``grant_days``, and never after the window."""
    candidates = [
        t for t in (ends_at, now + timedelta(days=grant_days) if grant_days else None) if t
    ]
    return min(candidates) if candidates else None
