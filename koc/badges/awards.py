"""Awards: a badge held once per member (a unique row), given by a rule when a member
qualifies (one member, many, or every member when a badge is defined) or by staff, and
revoked by staff. A revoked badge is never given back by a rule. Changes when how badges are
given changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.badges.errors import BadgeErrorCode
from koc.badges.models import (
    AwardAction,
    AwardSource,
    Badge,
    BadgeAwardEvent,
    BadgeHolding,
    BadgeRule,
    MemberKocRole,
    MemberSignal,
)
from koc.badges.rules import (
    COUNTED,
    is_met,
    years_before,
)
from koc.badges.signals import load_signals, spec_of
from koc.db import query_rows
from koc.errors import DomainError
from koc.events import BadgeAwarded, MemberBadgesChanged, publish, publish_many
from koc.events.memo import once_per_version
from koc.jobs import NO_PROGRESS, Progress
from koc.members.models import Member
from koc.orders.models import Order, OrderStatus
from koc.rows import fetch_by_keys, insert_models

# Members handled per statement when a rule is applied to everyone.
CHUNK = 5000


async def _give(
    member_id: int,
    badge: Badge,
    *,
    source: AwardSource,
    reason: str,
    staff_id: int | None,
    now: datetime,
) -> bool:
    """Create the holding and its history entry; False when the member already has the row."""
    given = await _give_many(
        [(member_id, badge, reason)], source=source, staff_id=staff_id, now=now
    )
    return bool(given)


AWARDS_PER_STATEMENT = 500


async def _give_many(
    awards: Sequence[tuple[int, Badge, str]],
    *,
    source: AwardSource,
    staff_id: int | None,
    now: datetime,
) -> list[tuple[int, Badge]]:
    """Create the holdings (member id, badge, reason) and their history entries, a few
    statements for any number; the answer leaves out the pairs whose row already existed (a
    concurrent award of the same badge). Call inside a transaction."""
    given: list[tuple[int, Badge]] = []
    for i in range(0, len(awards), AWARDS_PER_STATEMENT):
        chunk = awards[i : i + AWARDS_PER_STATEMENT]
        rows = await query_rows(
            "INSERT INTO badge_holding (member_id, badge_id, source, reason, staff_id, "
            "awarded_at) VALUES "
            + ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(chunk))
            + " ON CONFLICT (member_id, badge_id) DO NOTHING RETURNING member_id, badge_id",
            [
                value
                for member_id, badge, reason in chunk
                for value in (member_id, badge.id, source.value, reason, staff_id, now)
            ],
        )
        inserted = {(r["member_id"], r["badge_id"]) for r in rows}
        given += [(m, b) for m, b, _ in chunk if (m, b.id) in inserted]
    await publish_many(
        [
            BadgeAwarded(member_id=m, badge_id=b.id, badge_code=b.code, source=source.value)
            for m, b in given
        ]
    )
    reasons = {(m, b.id): reason for m, b, reason in awards}
    await insert_models(
        [
            BadgeAwardEvent(
                member_id=member_id,
                badge_id=badge.id,
                action=AwardAction.AWARD,
                source=source,
                reason=reasons[(member_id, badge.id)],
                staff_id=staff_id,
                created_at=now,
            )
            for member_id, badge in given
        ]
    )
    return given


def _rule_reason(badge: Badge) -> str:
    if badge.rule == BadgeRule.KOC_ROLE:
        return f"rule KOC_ROLE {badge.koc_role or 'any'}"
    return f"rule {badge.rule} >= {badge.threshold}"


async def evaluate_member(
    member_id: int, rules: Iterable[BadgeRule] | None = None, now: datetime | None = None
) -> list[Badge]:
    """Award every automatic badge (of ``rules``, default all) the member now qualifies for
    and never held. Returns the badges awarded. Call inside a transaction."""
    return (await evaluate_members([member_id], rules, now)).get(member_id, [])


async def evaluate_members(
    member_ids: Sequence[int], rules: Iterable[BadgeRule] | None = None, now: datetime | None = None
) -> dict[int, list[Badge]]:
    """``evaluate_member`` for many members in a constant number of reads (plus the writes of
    each award). Returns the badges awarded by member, for members awarded something."""
    now = now or datetime.now(UTC)
    ids = list(dict.fromkeys(member_ids))
    badges = await once_per_version(
        "badges.automatic",
        lambda: (
            Badge.filter(active=True).exclude(rule=BadgeRule.MANUAL).order_by("family", "level")
        ),
    )
    if rules is not None:
        wanted = {BadgeRule(r) for r in rules}
        badges = [b for b in badges if BadgeRule(b.rule) in wanted]
    if not badges or not ids:
        return {}
    badge_ids = {b.id for b in badges}
    held = {
        (member_id, badge_id)
        for member_id, badge_id in await fetch_by_keys(
            "SELECT member_id, badge_id FROM badge_holding WHERE member_id IN ({keys})", ids
        )
        if badge_id in badge_ids
    }
    candidates = {m: [b for b in badges if (m, b.id) not in held] for m in ids}
    candidates = {m: bs for m, bs in candidates.items() if bs}
    if not candidates:
        return {}
    needed = {BadgeRule(b.rule) for offered in candidates.values() for b in offered}
    signals = dict(zip(candidates, await load_signals(list(candidates), needed), strict=True))
    due = [
        (member_id, badge, _rule_reason(badge))
        for member_id, offered in candidates.items()
        for badge in offered
        if is_met(spec_of(badge), signals[member_id], now)
    ]
    awarded: dict[int, list[Badge]] = {}
    for member_id, badge in await _give_many(due, source=AwardSource.RULE, staff_id=None, now=now):
        awarded.setdefault(member_id, []).append(badge)
    if awarded:
        await publish(MemberBadgesChanged(member_ids=list(awarded)))
    return awarded


async def _qualifying_chunk(badge: Badge, after: int, now: datetime) -> list[int]:
    """The next CHUNK member ids above ``after`` that ``badge``'s rule admits, in id order."""
    rule = BadgeRule(badge.rule)
    if rule in COUNTED:
        query = (
            MemberSignal.filter(kind=COUNTED[rule], member_id__gt=after)
            .annotate(n=Count("subject_id", distinct=True))
            .group_by("member_id")
            .filter(n__gte=badge.threshold)
        )
    elif rule is BadgeRule.YEARS_SINCE_FIRST_ORDER:
        query = (
            Order.filter(occurred_at__lte=years_before(now, badge.threshold), member_id__gt=after)
            .exclude(status=OrderStatus.REFUNDED)
            .group_by("member_id")
        )
    else:
        query = MemberKocRole.filter(member_id__gt=after).group_by("member_id")
        if badge.koc_role:
            query = query.filter(role=badge.koc_role)
    return list(await query.order_by("member_id").limit(CHUNK).values_list("member_id", flat=True))


async def award_qualifying(
    badge: Badge, now: datetime | None = None, progress: Progress = NO_PROGRESS
) -> int:
    """Award ``badge`` to every member its rule admits who never held it, CHUNK members per
    round trip (``progress`` advances by the members looked at). Returns how many received it.
    Call inside a transaction."""
    if badge.rule == BadgeRule.MANUAL or not badge.active:
        return 0
    now = now or datetime.now(UTC)
    reason = _rule_reason(badge)
    awarded, after = 0, 0
    while ids := await _qualifying_chunk(badge, after, now):
        after = ids[-1]
        progress.advance(len(ids))
        held = set(
            await BadgeHolding.filter(badge_id=badge.id, member_id__in=ids).values_list(
                "member_id", flat=True
            )
        )
        new = [m for m in ids if m not in held]
        if not new:
            continue
        await BadgeHolding.bulk_create(
            [
                BadgeHolding(
                    member_id=m,
                    badge_id=badge.id,
                    source=AwardSource.RULE,
                    reason=reason,
                    awarded_at=now,
                )
                for m in new
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        await BadgeAwardEvent.bulk_create(
            [
                BadgeAwardEvent(
                    member_id=m,
                    badge_id=badge.id,
                    action=AwardAction.AWARD,
                    source=AwardSource.RULE,
                    reason=reason,
                )
                for m in new
            ],
            batch_size=1000,
        )
        awarded += len(new)
        await publish(MemberBadgesChanged(member_ids=new))
    return awarded


async def evaluate_all(now: datetime | None = None) -> int:
    """Apply every automatic badge to every member; for a daily job, since years since the
    first order grow without any data changing. Returns how many awards were made."""
    total = 0
    for badge in await Badge.filter(active=True).exclude(rule=BadgeRule.MANUAL).order_by("id"):
        async with in_transaction():
            total += await award_qualifying(badge, now)
    return total


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise DomainError(BadgeErrorCode.INVALID, "Give a reason of 1-500 characters.", "reason")
    return reason


async def award_badge(
    member_id: int, badge_id: int, reason: str, *, actor: StaffViewer
) -> BadgeHolding:
    """Staff award a badge (any rule); a revoked one is given back."""
    reason = _check_reason(reason)
    now = datetime.now(UTC)
    async with in_transaction():
        if not await Member.exists(id=member_id):
            raise DomainError(BadgeErrorCode.MEMBER_NOT_FOUND, "No such member.", "memberId")
        badge = await Badge.get_or_none(id=badge_id)
        if badge is None:
            raise DomainError(BadgeErrorCode.NOT_FOUND, "No such badge.", "badgeId")
        if not badge.active:
            raise DomainError(BadgeErrorCode.INACTIVE, "This badge is retired.", "badgeId")
        holding = await BadgeHolding.get_or_none(
            member_id=member_id, badge_id=badge_id
        ).select_for_update()
        if holding is not None and holding.revoked_at is None:
            raise DomainError(
                BadgeErrorCode.ALREADY_HELD, "The member already holds this badge.", "badgeId"
            )
        if holding is None:
            if not await _give(
                member_id,
                badge,
                source=AwardSource.STAFF,
                reason=reason,
                staff_id=actor.staff_id,
                now=now,
            ):
                raise DomainError(
                    BadgeErrorCode.ALREADY_HELD, "The member already holds this badge.", "badgeId"
                )
            holding = await BadgeHolding.get(member_id=member_id, badge_id=badge_id)
        else:
            holding.update_from_dict(
                {
                    "revoked_at": None,
                    "source": AwardSource.STAFF,
                    "reason": reason,
                    "staff_id": actor.staff_id,
                    "awarded_at": now,
                }
            )
            await holding.save()
            await BadgeAwardEvent.create(
                member_id=member_id,
                badge_id=badge_id,
                action=AwardAction.AWARD,
                source=AwardSource.STAFF,
                reason=reason,
                staff_id=actor.staff_id,
            )
            await publish(
                BadgeAwarded(
                    member_id=member_id,
                    badge_id=badge_id,
                    badge_code=badge.code,
                    source=AwardSource.STAFF.value,
                )
            )
        await audit.record(
            actor,
            "badge.award",
            "Member",
            member_id,
            after={"badge": badge.code, "reason": reason},
        )
        await publish(MemberBadgesChanged(member_ids=[member_id]))
    return holding


async def revoke_badge(
    member_id: int, badge_id: int, reason: str, *, actor: StaffViewer
) -> BadgeHolding:
    """Staff take a badge back. The holding and its history stay; rules never re-award it."""
    reason = _check_reason(reason)
    async with in_transaction():
        holding = await BadgeHolding.get_or_none(
            member_id=member_id, badge_id=badge_id
        ).select_for_update()
        if holding is None or holding.revoked_at is not None:
            raise DomainError(
                BadgeErrorCode.NOT_HELD, "The member does not hold this badge.", "badgeId"
            )
        holding.revoked_at = datetime.now(UTC)
        await holding.save(update_fields=["revoked_at"])
        await BadgeAwardEvent.create(
            member_id=member_id,
            badge_id=badge_id,
            action=AwardAction.REVOKE,
            source=AwardSource.STAFF,
            reason=reason,
            staff_id=actor.staff_id,
        )
        await audit.record(
            actor,
            "badge.revoke",
            "Member",
            member_id,
            after={"badgeId": badge_id, "reason": reason},
        )
        await publish(MemberBadgesChanged(member_ids=[member_id]))
    return holding
