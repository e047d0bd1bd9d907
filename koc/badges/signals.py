"""What badge rules read: per-member signals kept from the hooks of other features
(converted referrals, approved campaign submissions, attended events), KOC roles and the
first order, loaded for many members in a few statements. Changes when a rule needs a new
input."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from koc.badges.models import (
    Badge,
    BadgeRule,
    MemberKocRole,
    MemberSignal,
    SignalKind,
)
from koc.badges.rules import (
    COUNTED,
    RuleSpec,
    Signals,
)
from koc.orders.models import OrderStatus
from koc.rows import fetch_by_keys

# What koc_status_changed reports for a KOC whose roles count.
ACTIVE_STATUS = "ACTIVE"


def spec_of(badge: Badge) -> RuleSpec:
    return RuleSpec(BadgeRule(badge.rule), badge.threshold, badge.koc_role)


async def load_signals(
    member_ids: Sequence[int], rules: Iterable[BadgeRule] | None = None
) -> list[Signals]:
    """The rule inputs of each member (three statements for any number of members), or only
    those that ``rules`` read (one statement when they all read the same input)."""
    ids = list(member_ids)
    wanted = set(BadgeRule) if rules is None else {BadgeRule(r) for r in rules}
    counts: dict[int, dict[SignalKind, int]] = {m: {} for m in ids}
    kinds = [COUNTED[r] for r in wanted if r in COUNTED]
    if kinds:
        rows = await fetch_by_keys(
            "SELECT member_id, kind, COUNT(DISTINCT subject_id) FROM badge_member_signal"
            f" WHERE member_id IN ({{keys}}) AND kind IN ({', '.join('?' * len(kinds))})"
            " GROUP BY member_id, kind",
            ids,
            [kind.value for kind in kinds],
        )
        for member_id, kind, n in rows:
            counts[member_id][SignalKind(kind)] = n
    roles: dict[int, set[str]] = {m: set() for m in ids}
    if BadgeRule.KOC_ROLE in wanted:
        for member_id, role in await fetch_by_keys(
            "SELECT member_id, role FROM badge_member_koc_role WHERE member_id IN ({keys})", ids
        ):
            roles[member_id].add(role)
    first: dict[int, Any] = {}
    if BadgeRule.YEARS_SINCE_FIRST_ORDER in wanted:
        first = dict(
            await fetch_by_keys(
                'SELECT member_id, MIN(occurred_at) FROM "order"'
                " WHERE member_id IN ({keys}) AND status <> ? GROUP BY member_id",
                ids,
                [OrderStatus.REFUNDED.value],
            )
        )
    return [
        Signals(
            counts=counts[m],
            first_order_at=_as_datetime(first.get(m)),
            koc_roles=frozenset(roles[m]),
        )
        for m in ids
    ]


def _as_datetime(value: datetime | str | None) -> datetime | None:
    # An aggregate bypasses the field's conversion: SQLite hands back the stored text.
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def record_signal(member_id: int, kind: SignalKind, source_key: str, subject_id: int) -> bool:
    """Count one fact once; True when it was new. ``subject_id`` is what is counted distinctly
    (the referee of a referral, so two orders of one friend count one referral)."""
    try:
        async with in_transaction():
            await MemberSignal.create(
                member_id=member_id, kind=kind, source_key=source_key, subject_id=subject_id
            )
    except IntegrityError:
        return False
    return True


def roles_held(status: str, roles: Iterable[str]) -> list[str]:
    """The roles that count: a KOC's roles while ACTIVE, none otherwise."""
    return list(roles) if status == ACTIVE_STATUS else []


async def set_koc_roles(member_id: int, roles: Iterable[str]) -> bool:
    """Make the member's recorded KOC roles exactly ``roles``; True when something changed."""
    wanted = set(roles)
    current = set(await MemberKocRole.filter(member_id=member_id).values_list("role", flat=True))
    if wanted == current:
        return False
    if current - wanted:
        await MemberKocRole.filter(member_id=member_id, role__in=list(current - wanted)).delete()
    if wanted - current:
        await MemberKocRole.bulk_create(
            [MemberKocRole(member_id=member_id, role=r) for r in sorted(wanted - current)],
            ignore_conflicts=True,
        )
    return True
