"""Badge definitions, awards and revocations, automatic rules and QR tokens.

Rules count per-member signals kept from the hooks of other features (converted referrals,
approved campaign submissions, attended events, KOC roles) and the member's orders; a member is
evaluated when one of its signals changes, and every qualifying member when a badge is created
or its rule changes. A badge is held once per member (a unique row); a revoked badge is never
given back by a rule, only by staff.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count, Min
from tortoise.transactions import in_transaction

from koc import hooks
from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.badges import signing
from koc.badges.errors import BadgeErrorCode, BadgeVerifyResult
from koc.badges.models import (
    AwardAction,
    AwardSource,
    Badge,
    BadgeAwardEvent,
    BadgeHolding,
    BadgeRule,
    MemberKocRole,
    MemberSignal,
    SignalKind,
)
from koc.badges.rules import (
    COUNTED,
    Progress,
    RuleSpec,
    Signals,
    is_met,
    progress,
    rule_problem,
    years_before,
)
from koc.db import query_rows
from koc.errors import DomainError
from koc.members.models import Member
from koc.orders.models import MemberEventKind, Order, OrderStatus

CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
ROLE_RE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
URL_RE = re.compile(r"^https?://\S{1,490}$")
TOKEN_PURPOSE = "badge"
# Members handled per statement when a rule is applied to everyone.
CHUNK = 5000
# What koc_status_changed reports for a KOC whose roles count.
ACTIVE_STATUS = "ACTIVE"


def _now() -> datetime:
    return datetime.now(UTC)


def spec_of(badge: Badge) -> RuleSpec:
    return RuleSpec(BadgeRule(badge.rule), badge.threshold, badge.koc_role)


# --- definitions -----------------------------------------------------------------------------


@dataclass
class BadgeData:
    code: str
    name: str
    family: str
    level: int = 1
    description: str = ""
    image_url: str = ""
    visible: bool = True
    rule: BadgeRule = BadgeRule.MANUAL
    threshold: int = 0
    koc_role: str = ""
    active: bool = True


def _validate(data: BadgeData) -> None:
    if not CODE_RE.match(data.code):
        raise DomainError(
            BadgeErrorCode.INVALID,
            "Code is 2-64 upper-case letters, digits or _, starting with a letter.",
            "code",
        )
    for value, name in ((data.name, "name"), (data.family, "family")):
        if not 1 <= len(value) <= 64:
            raise DomainError(BadgeErrorCode.INVALID, f"{name} must be 1-64 characters.", name)
    if not 1 <= data.level <= 100:
        raise DomainError(BadgeErrorCode.INVALID, "Level is between 1 and 100.", "level")
    if len(data.description) > 2000:
        raise DomainError(
            BadgeErrorCode.INVALID, "Description is at most 2000 characters.", "description"
        )
    if data.image_url and not URL_RE.match(data.image_url):
        raise DomainError(BadgeErrorCode.INVALID, "imageUrl must be an http(s) URL.", "imageUrl")
    if data.koc_role and not ROLE_RE.match(data.koc_role):
        raise DomainError(
            BadgeErrorCode.INVALID, "kocRole is a role code (letters, digits, _ -).", "kocRole"
        )
    problem = rule_problem(RuleSpec(data.rule, data.threshold, data.koc_role))
    if problem:
        raise DomainError(BadgeErrorCode.INVALID, problem[1], problem[0])


def _snapshot(badge: Badge) -> dict[str, Any]:
    return {
        "code": badge.code,
        "name": badge.name,
        "family": badge.family,
        "level": badge.level,
        "visible": badge.visible,
        "rule": badge.rule,
        "threshold": badge.threshold,
        "kocRole": badge.koc_role,
        "active": badge.active,
    }


async def create_badge(data: BadgeData, *, actor: StaffViewer | None) -> tuple[Badge, int]:
    """Define a badge; an automatic one is awarded at once to every member it admits.

    Returns the badge and how many members received it.
    """
    data.name, data.family = data.name.strip(), data.family.strip()
    _validate(data)
    async with in_transaction():
        if await Badge.exists(code=data.code):
            raise DomainError(BadgeErrorCode.DUPLICATE, "A badge with this code exists.", "code")
        if await Badge.exists(family=data.family, level=data.level):
            raise DomainError(
                BadgeErrorCode.DUPLICATE, "This family already has a badge of this level.", "level"
            )
        badge = await Badge.create(**data.__dict__)
        await audit.record(actor, "badge.create", "Badge", badge.id, after=_snapshot(badge))
        awarded = await award_qualifying(badge)
    return badge, awarded


async def update_badge(
    badge_id: int, changes: dict[str, Any], *, actor: StaffViewer | None
) -> tuple[Badge, int]:
    """Change a badge (``changes`` maps BadgeData field names to new values; the code stays).

    Holders keep the badge when its rule changes; members the new rule admits receive it.
    """
    async with in_transaction():
        badge = await Badge.get_or_none(id=badge_id).select_for_update()
        if badge is None:
            raise DomainError(BadgeErrorCode.NOT_FOUND, "No such badge.", "id")
        before = _snapshot(badge)
        data = BadgeData(
            **{k: getattr(badge, k) for k in BadgeData.__dataclass_fields__}  # type: ignore[arg-type]
        )
        for name, value in changes.items():
            setattr(data, name, value.strip() if name in ("name", "family") else value)
        data.rule = BadgeRule(data.rule)
        _validate(data)
        if (data.family, data.level) != (badge.family, badge.level) and await Badge.exists(
            family=data.family, level=data.level
        ):
            raise DomainError(
                BadgeErrorCode.DUPLICATE, "This family already has a badge of this level.", "level"
            )
        badge.update_from_dict(data.__dict__)
        await badge.save()
        await audit.record(
            actor, "badge.update", "Badge", badge.id, before=before, after=_snapshot(badge)
        )
        awarded = await award_qualifying(badge)
    return badge, awarded


# --- signals ---------------------------------------------------------------------------------


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
        rows = (
            await MemberSignal.filter(member_id__in=ids, kind__in=kinds)
            .annotate(n=Count("subject_id", distinct=True))
            .group_by("member_id", "kind")
            .values_list("member_id", "kind", "n")
        )
        for member_id, kind, n in rows:
            counts[member_id][SignalKind(kind)] = n
    roles: dict[int, set[str]] = {m: set() for m in ids}
    if BadgeRule.KOC_ROLE in wanted:
        for member_id, role in await MemberKocRole.filter(member_id__in=ids).values_list(
            "member_id", "role"
        ):
            roles[member_id].add(role)
    first: dict[int, Any] = {}
    if BadgeRule.YEARS_SINCE_FIRST_ORDER in wanted:
        first = dict(
            await Order.filter(member_id__in=ids)
            .exclude(status=OrderStatus.REFUNDED)
            .annotate(first=Min("occurred_at"))
            .group_by("member_id")
            .values_list("member_id", "first")
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


# --- awards ----------------------------------------------------------------------------------


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
    reasons = {(m, b.id): reason for m, b, reason in awards}
    await BadgeAwardEvent.bulk_create(
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
    now = now or _now()
    ids = list(dict.fromkeys(member_ids))
    query = Badge.filter(active=True).exclude(rule=BadgeRule.MANUAL)
    if rules is not None:
        query = query.filter(rule__in=list(rules))
    badges = await query.order_by("family", "level")
    if not badges or not ids:
        return {}
    held = set(
        await BadgeHolding.filter(
            member_id__in=ids, badge_id__in=[b.id for b in badges]
        ).values_list("member_id", "badge_id")
    )
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
        await hooks.member_badges_changed.send(member_ids=list(awarded))
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


async def award_qualifying(badge: Badge, now: datetime | None = None) -> int:
    """Award ``badge`` to every member its rule admits who never held it, CHUNK members per
    round trip. Returns how many received it. Call inside a transaction."""
    if badge.rule == BadgeRule.MANUAL or not badge.active:
        return 0
    now = now or _now()
    reason = _rule_reason(badge)
    awarded, after = 0, 0
    while ids := await _qualifying_chunk(badge, after, now):
        after = ids[-1]
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
        await hooks.member_badges_changed.send(member_ids=new)
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
    now = _now()
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
        await audit.record(
            actor,
            "badge.award",
            "Member",
            member_id,
            after={"badge": badge.code, "reason": reason},
        )
        await hooks.member_badges_changed.send(member_ids=[member_id])
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
        holding.revoked_at = _now()
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
        await hooks.member_badges_changed.send(member_ids=[member_id])
    return holding


# --- progress and verification ---------------------------------------------------------------


async def progress_of(member_ids: Sequence[int]) -> list[list[tuple[Badge, Progress]]]:
    """Per member: each visible automatic badge not held (nor revoked) and how far along they
    are. Five statements for any number of members."""
    badges = (
        await Badge.filter(active=True, visible=True)
        .exclude(rule=BadgeRule.MANUAL)
        .order_by("family", "level")
    )
    if not badges:
        return [[] for _ in member_ids]
    held = set(
        await BadgeHolding.filter(
            member_id__in=list(member_ids), badge_id__in=[b.id for b in badges]
        ).values_list("member_id", "badge_id")
    )
    now = _now()
    result = []
    for member_id, signals in zip(member_ids, await load_signals(member_ids), strict=True):
        rows = []
        for badge in badges:
            found = progress(spec_of(badge), signals, now)
            if (member_id, badge.id) not in held and found is not None:
                rows.append((badge, found))
        result.append(rows)
    return result


def token_for(secret: str, ttl_seconds: int, member_id: int, badge_id: int) -> tuple[str, datetime]:
    """The QR content proving the member holds the badge, and when it stops working."""
    # Whole seconds: what the token carries is what the caller is told.
    expires_at = (_now() + timedelta(seconds=ttl_seconds)).replace(microsecond=0)
    return signing.sign(secret, TOKEN_PURPOSE, (member_id, badge_id), expires_at), expires_at


@dataclass
class Verification:
    result: BadgeVerifyResult
    badge: Badge | None = None
    member: Member | None = None
    holding: BadgeHolding | None = None
    expires_at: datetime | None = None


async def verify_token(secret: str, token: str) -> Verification:
    """Check a badge QR: its signature and expiry, then that the badge is still held."""
    try:
        (member_id, badge_id), expires_at = signing.verify(secret, TOKEN_PURPOSE, token, 2)
    except signing.TokenError as exc:
        return Verification(BadgeVerifyResult(exc.problem.value))
    holding = await BadgeHolding.get_or_none(member_id=member_id, badge_id=badge_id)
    badge = await Badge.get_or_none(id=badge_id)
    member = await Member.get_or_none(id=member_id)
    if holding is None or holding.revoked_at is not None or badge is None or member is None:
        return Verification(BadgeVerifyResult.REVOKED, badge=badge, expires_at=expires_at)
    return Verification(
        BadgeVerifyResult.VALID, badge=badge, member=member, holding=holding, expires_at=expires_at
    )


# --- reacting to other features --------------------------------------------------------------


async def _on_orders_recorded(calls: Sequence[dict[str, Any]]) -> None:
    await evaluate_members([c["member"].id for c in calls], [BadgeRule.YEARS_SINCE_FIRST_ORDER])


async def _on_member_logged_in(member: Member, **_: Any) -> None:
    # Years since the first order grow with time alone: a login is a cheap moment to look.
    await evaluate_member(member.id, [BadgeRule.YEARS_SINCE_FIRST_ORDER])


async def _on_event_recorded(event: Any, member: Member, **_: Any) -> None:
    if MemberEventKind(event.kind) is not MemberEventKind.EVENT_ATTENDED:
        return
    if await record_signal(member.id, SignalKind.EVENT_ATTENDED, f"event:{event.id}", event.id):
        await evaluate_member(member.id, [BadgeRule.EVENTS_ATTENDED])


async def _on_referrals_converted(calls: Sequence[dict[str, Any]]) -> None:
    # Each order counts once (the unique source key ignores a repeat); evaluating a referrer
    # whose count did not move awards nothing new.
    await MemberSignal.bulk_create(
        [
            MemberSignal(
                member_id=c["referrer_id"],
                kind=SignalKind.REFERRAL_CONVERTED,
                source_key=f"order:{c['order'].id}",
                subject_id=c["referee_id"],
            )
            for c in calls
        ],
        ignore_conflicts=True,
    )
    await evaluate_members([c["referrer_id"] for c in calls], [BadgeRule.REFERRALS_CONVERTED])


async def _on_referral_reversed(referrer_id: int, referee_id: int, order: Order, **_: Any) -> None:
    # The count drops; badges already earned stay (honour is not clawed back).
    await MemberSignal.filter(
        member_id=referrer_id, kind=SignalKind.REFERRAL_CONVERTED, source_key=f"order:{order.id}"
    ).delete()


async def _on_submission_reviewed(
    member_id: int, submission_id: int, approved: bool, **_: Any
) -> None:
    key = f"submission:{submission_id}"
    if not approved:
        await MemberSignal.filter(
            member_id=member_id, kind=SignalKind.SUBMISSION_APPROVED, source_key=key
        ).delete()
    elif await record_signal(member_id, SignalKind.SUBMISSION_APPROVED, key, submission_id):
        await evaluate_member(member_id, [BadgeRule.SUBMISSIONS_APPROVED])


async def _on_koc_status_changed(member: Member, status: str, roles: list[str], **_: Any) -> None:
    if await set_koc_roles(member.id, roles_held(status, roles)):
        await evaluate_member(member.id, [BadgeRule.KOC_ROLE])


async def _move_member_rows(model: Any, key: tuple[str, ...], prospect_id: int, into: int) -> None:
    """Move a prospect's rows to the member, dropping those the member already has a twin of."""
    held = set(await model.filter(member_id=into).values_list(*key))
    rows = await model.filter(member_id=prospect_id).values_list("id", *key)
    twins = [r[0] for r in rows if tuple(r[1:]) in held]
    if twins:
        await model.filter(id__in=twins).delete()
    await model.filter(member_id=prospect_id).update(member_id=into)


async def _on_member_merged(prospect: Member, member: Member, **_: Any) -> None:
    await _move_member_rows(MemberSignal, ("kind", "source_key"), prospect.id, member.id)
    await _move_member_rows(MemberKocRole, ("role",), prospect.id, member.id)
    await _move_member_rows(BadgeHolding, ("badge_id",), prospect.id, member.id)
    await BadgeAwardEvent.filter(member_id=prospect.id).update(member_id=member.id)
    await evaluate_member(member.id)


hooks.order_recorded.connect_batch(_on_orders_recorded)
hooks.member_logged_in.connect(_on_member_logged_in)
hooks.member_event_recorded.connect(_on_event_recorded)
hooks.referral_converted.connect_batch(_on_referrals_converted)
hooks.referral_reversed.connect(_on_referral_reversed)
hooks.campaign_submission_reviewed.connect(_on_submission_reviewed)
hooks.koc_status_changed.connect(_on_koc_status_changed)
hooks.member_merged.connect(_on_member_merged)
