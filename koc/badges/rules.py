"""Badge award rules as plain functions: is a rule met, and how far along is a member."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from koc.badges.models import BadgeRule, SignalKind

# The signal each counting rule counts.
COUNTED: dict[BadgeRule, SignalKind] = {
    BadgeRule.REFERRALS_CONVERTED: SignalKind.REFERRAL_CONVERTED,
    BadgeRule.SUBMISSIONS_APPROVED: SignalKind.SUBMISSION_APPROVED,
    BadgeRule.EVENTS_ATTENDED: SignalKind.EVENT_ATTENDED,
}
MAX_THRESHOLD = 100_000


@dataclass(frozen=True)
class Signals:
    """What the rules know about one member."""

    counts: dict[SignalKind, int] = field(default_factory=dict)
    first_order_at: datetime | None = None
    koc_roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RuleSpec:
    rule: BadgeRule
    threshold: int = 0
    koc_role: str = ""  # KOC_ROLE: the role required, "" for any role


@dataclass(frozen=True)
class Progress:
    current: int
    target: int

    @property
    def met(self) -> bool:
        return self.current >= self.target


def years_before(moment: datetime, years: int) -> datetime:
    """The same calendar moment ``years`` earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def full_years(start: datetime, now: datetime) -> int:
    """Whole years from ``start`` to ``now`` (0 when ``now`` is before the first anniversary)."""
    years = now.year - start.year
    if years > 0 and years_before(now, years) < start:
        years -= 1
    return max(0, years)


def progress(spec: RuleSpec, signals: Signals, now: datetime) -> Progress | None:
    """How far the member is toward ``spec``; None for MANUAL badges, which no rule awards."""
    if spec.rule is BadgeRule.MANUAL:
        return None
    if spec.rule is BadgeRule.KOC_ROLE:
        holds = spec.koc_role in signals.koc_roles if spec.koc_role else bool(signals.koc_roles)
        return Progress(int(holds), 1)
    if spec.rule is BadgeRule.YEARS_SINCE_FIRST_ORDER:
        if spec.threshold == 0:  # "a buyer": met by the first order
            return Progress(int(signals.first_order_at is not None), 1)
        if signals.first_order_at is None:
            return Progress(0, spec.threshold)
        years = full_years(signals.first_order_at, now)
        return Progress(min(years, spec.threshold), spec.threshold)
    count = signals.counts.get(COUNTED[spec.rule], 0)
    return Progress(min(count, spec.threshold), spec.threshold)


def is_met(spec: RuleSpec, signals: Signals, now: datetime) -> bool:
    found = progress(spec, signals, now)
    return found is not None and found.met


def rule_problem(spec: RuleSpec) -> tuple[str, str] | None:
    """(field, message) of what is wrong with a rule, or None when it is valid."""
    if spec.rule is BadgeRule.MANUAL or spec.rule is BadgeRule.KOC_ROLE:
        if spec.threshold != 0:
            return "threshold", f"A {spec.rule.value} badge takes no threshold."
    elif spec.rule is BadgeRule.YEARS_SINCE_FIRST_ORDER:
        if not 0 <= spec.threshold <= 100:
            return "threshold", "Years must be between 0 and 100."
    elif not 1 <= spec.threshold <= MAX_THRESHOLD:
        return "threshold", f"The threshold must be between 1 and {MAX_THRESHOLD}."
    if spec.koc_role and spec.rule is not BadgeRule.KOC_ROLE:
        return "kocRole", "Only a KOC_ROLE badge names a role."
    if len(spec.koc_role) > 32:
        return "kocRole", "A role code is at most 32 characters."
    return None
