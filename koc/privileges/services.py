"""Privileges: the catalog, grants (by eligibility or by staff), redemption, seats, report.

Eligibility is evaluated in SQL: a privilege's conditions become sub-selects over KOC roles,
stages, badge holdings and tags, so granting to every eligible member is a handful of
statements per 5,000 members, and a member's grants are re-evaluated when one of those facts
changes (hooks). Redemption locks the privilege row, then the grant row, and uses conditional
updates for stock and per-period quota, so concurrent redemptions never oversell.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q, Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from koc import hooks
from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.badges import services as badge_services
from koc.badges import signing
from koc.badges.models import Badge, BadgeHolding, MemberKocRole
from koc.errors import DomainError
from koc.members.models import LifecycleStage, Member, MemberTag, Tag
from koc.privileges.errors import PrivilegeErrorCode as Code
from koc.privileges.models import (
    SEATED,
    Channel,
    EligibilityMatch,
    GrantSource,
    GrantStatus,
    Privilege,
    PrivilegeGrant,
    PrivilegeKind,
    PrivilegeRedemption,
    PrivilegeRsvp,
    PrivilegeUsage,
    QuotaPeriod,
    RedeemedVia,
    RsvpStatus,
)
from koc.privileges.rules import ANY_ROLE, Criteria, grant_expiry, period_key

CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
CODE_PURPOSE = "privilege-redemption"
CHUNK = 5000
MAX_STOCK = 10**9


def _now() -> datetime:
    return datetime.now(UTC)


def criteria_of(p: Privilege) -> Criteria:
    return Criteria(
        match=EligibilityMatch(p.match),
        koc_roles=tuple(p.koc_roles),
        stages=tuple(p.stages),
        badges=tuple(p.badges),
        tag_ids=tuple(p.tag_ids),
    )


# --- catalog ---------------------------------------------------------------------------------


@dataclass
class PrivilegeData:
    code: str
    name: str
    kind: PrivilegeKind
    description: str = ""
    criteria: Criteria = field(default_factory=Criteria)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    total_stock: int | None = None
    quota: int = 1
    quota_period: QuotaPeriod = QuotaPeriod.LIFETIME
    channel: Channel = Channel.BOTH
    grant_days: int | None = None
    active: bool = True


def _fail(message: str, field_name: str | None, code: Code = Code.INVALID) -> DomainError:
    return DomainError(code, message, field_name)


async def _validate(d: PrivilegeData) -> None:
    if not CODE_RE.match(d.code):
        raise _fail("Code is 2-64 upper-case letters, digits or _, starting with a letter.", "code")
    if not 1 <= len(d.name) <= 64:
        raise _fail("Name must be 1-64 characters.", "name")
    if len(d.description) > 2000:
        raise _fail("Description is at most 2000 characters.", "description")
    for value, name in ((d.starts_at, "startsAt"), (d.ends_at, "endsAt")):
        if value is not None and value.tzinfo is None:
            raise _fail("Time must carry a time zone.", name)
    if d.starts_at and d.ends_at and d.ends_at <= d.starts_at:
        raise _fail("endsAt must be after startsAt.", "endsAt")
    if d.total_stock is not None and not 0 <= d.total_stock <= MAX_STOCK:
        raise _fail(f"totalStock is between 0 and {MAX_STOCK}.", "totalStock")
    if d.kind in SEATED and d.total_stock is None:
        raise _fail(
            "EVENT and TICKET privileges need a number of seats (totalStock).", "totalStock"
        )
    if not 1 <= d.quota <= 1000:
        raise _fail("quota is between 1 and 1000 uses per period.", "quota")
    if d.grant_days is not None and not 1 <= d.grant_days <= 3650:
        raise _fail("grantDays is between 1 and 3650.", "grantDays")
    problem = d.criteria.problem()
    if problem:
        raise _fail(problem[1], problem[0])
    c = d.criteria
    if c.stages:
        found = set(
            await LifecycleStage.filter(code__in=list(c.stages)).values_list("code", flat=True)
        )
        if missing := sorted(set(c.stages) - found):
            raise _fail(f"No such stage(s): {missing}.", "eligibility.stages")
    if c.badges:
        found = set(await Badge.filter(code__in=list(c.badges)).values_list("code", flat=True))
        if missing := sorted(set(c.badges) - found):
            raise _fail(f"No such badge(s): {missing}.", "eligibility.badges")
    if c.tag_ids:
        found_ids = set(await Tag.filter(id__in=list(c.tag_ids)).values_list("id", flat=True))
        if missing_ids := sorted(set(c.tag_ids) - found_ids):
            raise _fail(f"No such tag(s): {missing_ids}.", "eligibility.tagIds")


def _fields(d: PrivilegeData) -> dict[str, Any]:
    c = d.criteria
    return {
        "code": d.code,
        "name": d.name,
        "kind": d.kind,
        "description": d.description,
        "match": c.match,
        "koc_roles": list(dict.fromkeys(c.koc_roles)),
        "stages": list(dict.fromkeys(c.stages)),
        "badges": list(dict.fromkeys(c.badges)),
        "tag_ids": list(dict.fromkeys(c.tag_ids)),
        "starts_at": d.starts_at,
        "ends_at": d.ends_at,
        "total_stock": d.total_stock,
        "quota": d.quota,
        "quota_period": d.quota_period,
        "channel": d.channel,
        "grant_days": d.grant_days,
        "active": d.active,
    }


def _data_of(p: Privilege) -> PrivilegeData:
    return PrivilegeData(
        code=p.code,
        name=p.name,
        kind=PrivilegeKind(p.kind),
        description=p.description,
        criteria=criteria_of(p),
        starts_at=p.starts_at,
        ends_at=p.ends_at,
        total_stock=p.total_stock,
        quota=p.quota,
        quota_period=QuotaPeriod(p.quota_period),
        channel=Channel(p.channel),
        grant_days=p.grant_days,
        active=p.active,
    )


def _audit_view(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


@dataclass(frozen=True)
class Refreshed:
    granted: int = 0
    withdrawn: int = 0


async def create_privilege(
    data: PrivilegeData, *, actor: StaffViewer | None
) -> tuple[Privilege, Refreshed]:
    """Add a privilege and grant it at once to every member its eligibility admits."""
    data.name = data.name.strip()
    await _validate(data)
    async with in_transaction():
        if await Privilege.exists(code=data.code):
            raise _fail("A privilege with this code exists.", "code", Code.DUPLICATE)
        values = _fields(data)
        privilege = await Privilege.create(**values, remaining_stock=data.total_stock)
        await audit.record(
            actor, "privilege.create", "Privilege", privilege.id, after=_audit_view(values)
        )
        refreshed = await refresh_grants(privilege)
    return privilege, refreshed


async def _consumed(p: Privilege) -> int:
    """Units of stock in use: seats held or checked in, or redemptions."""
    if p.kind in SEATED:
        return await PrivilegeRsvp.filter(
            privilege_id=p.id, status__in=[RsvpStatus.RESERVED, RsvpStatus.CHECKED_IN]
        ).count()
    return await PrivilegeRedemption.filter(privilege_id=p.id).count()


async def update_privilege(
    privilege_id: int, changes: dict[str, Any], *, actor: StaffViewer | None
) -> tuple[Privilege, Refreshed]:
    """Change a privilege (``changes`` maps PrivilegeData fields; code and kind stay), then
    re-evaluate every member's automatic grant against the new rules."""
    async with in_transaction():
        privilege = await Privilege.get_or_none(id=privilege_id).select_for_update()
        if privilege is None:
            raise _fail("No such privilege.", "id", Code.NOT_FOUND)
        before = _fields(_data_of(privilege))
        data = replace(_data_of(privilege), **changes)
        data.name = data.name.strip()
        await _validate(data)
        values = _fields(data)
        if data.total_stock != privilege.total_stock:
            consumed = await _consumed(privilege)
            if data.total_stock is not None and data.total_stock < consumed:
                raise _fail(f"{consumed} units are already used or reserved.", "totalStock")
            values["remaining_stock"] = (
                None if data.total_stock is None else data.total_stock - consumed
            )
        privilege.update_from_dict(values)
        await privilege.save()
        await audit.record(
            actor,
            "privilege.update",
            "Privilege",
            privilege.id,
            before=_audit_view(before),
            after=_audit_view(_fields(data)),
        )
        refreshed = await refresh_grants(privilege)
    return privilege, refreshed


async def get_privilege(id_or_code: int | str, field_name: str = "privilegeId") -> Privilege:
    found = await (
        Privilege.get_or_none(code=id_or_code)
        if isinstance(id_or_code, str)
        else Privilege.get_or_none(id=id_or_code)
    )
    if found is None:
        raise _fail("No such privilege.", field_name, Code.NOT_FOUND)
    return found


# --- eligibility and automatic grants --------------------------------------------------------


async def eligible_members(p: Privilege) -> QuerySet[Member] | None:
    """The members ``p``'s conditions admit, as one query; None when it has no condition."""
    c = criteria_of(p)
    if not c.automatic:
        return None
    conditions: list[Q] = []
    for role in c.koc_roles:
        roles = MemberKocRole.all() if role == ANY_ROLE else MemberKocRole.filter(role=role)
        conditions.append(Q(id__in=Subquery(roles.values("member_id"))))
    for code in c.stages:
        conditions.append(Q(stage_id__in=Subquery(LifecycleStage.filter(code=code).values("id"))))
    badge_ids = dict(await Badge.filter(code__in=list(c.badges)).values_list("code", "id"))
    for code in c.badges:
        holders = BadgeHolding.filter(badge_id=badge_ids.get(code, -1), revoked_at=None)
        conditions.append(Q(id__in=Subquery(holders.values("member_id"))))
    for tag_id in c.tag_ids:
        conditions.append(Q(id__in=Subquery(MemberTag.filter(tag_id=tag_id).values("member_id"))))
    join = "OR" if c.match is EligibilityMatch.ANY else "AND"
    return Member.filter(Q(*conditions, join_type=join))


async def is_eligible(p: Privilege, member_id: int) -> bool:
    eligible = await eligible_members(p)
    return eligible is not None and await eligible.filter(id=member_id).exists()


async def refresh_grants(
    p: Privilege, member_ids: Sequence[int] | None = None, now: datetime | None = None
) -> Refreshed:
    """Make ``p``'s automatic grants match eligibility, for ``member_ids`` or everyone:
    grant to the newly eligible (or give back what the rules withdrew), withdraw from the no
    longer eligible (redeemed grants stay). Grants made by staff are never touched."""
    now = now or _now()
    scope = {} if member_ids is None else {"member_id__in": list(member_ids)}
    auto = PrivilegeGrant.filter(privilege_id=p.id, source=GrantSource.AUTO, **scope)
    eligible = await eligible_members(p) if p.active else None
    withdraw = {"status": GrantStatus.REVOKED, "revoked_at": now, "withdrawn": True}
    if eligible is None:
        return Refreshed(withdrawn=await auto.filter(status=GrantStatus.ACTIVE).update(**withdraw))
    if member_ids is not None:
        eligible = eligible.filter(id__in=list(member_ids))
    eligible_ids = Subquery(eligible.values("id"))
    withdrawn = (
        await auto.filter(status=GrantStatus.ACTIVE)
        .exclude(member_id__in=eligible_ids)
        .update(**withdraw)
    )
    if p.ends_at is not None and p.ends_at <= now:
        return Refreshed(withdrawn=withdrawn)
    expires_at = grant_expiry(now, p.ends_at, p.grant_days)
    granted = await auto.filter(
        status=GrantStatus.REVOKED, withdrawn=True, member_id__in=eligible_ids
    ).update(
        status=GrantStatus.ACTIVE,
        revoked_at=None,
        withdrawn=False,
        granted_at=now,
        expires_at=expires_at,
    )
    holders = Subquery(PrivilegeGrant.filter(privilege_id=p.id).values("member_id"))
    after = 0
    while (
        ids := await eligible.filter(id__gt=after)
        .exclude(id__in=holders)
        .order_by("id")
        .limit(CHUNK)
        .values_list("id", flat=True)
    ):
        await PrivilegeGrant.bulk_create(
            [
                PrivilegeGrant(
                    member_id=m,
                    privilege_id=p.id,
                    source=GrantSource.AUTO,
                    reason="eligible",
                    granted_at=now,
                    expires_at=expires_at,
                )
                for m in ids
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        granted += len(ids)
        after = ids[-1]
    return Refreshed(granted=granted, withdrawn=withdrawn)


async def refresh_member_grants(member_ids: Sequence[int], dimension: str | None = None) -> None:
    """Re-evaluate the automatic grants of these members, only for privileges whose conditions
    read ``dimension`` (roles, stages, badges, tags; None for all)."""
    for p in await Privilege.filter(active=True).order_by("id"):
        criteria = criteria_of(p)
        if not criteria.automatic or (dimension and dimension not in criteria.dimensions()):
            continue
        for start in range(0, len(member_ids), CHUNK):
            await refresh_grants(p, member_ids[start : start + CHUNK])


async def expire_grants(now: datetime | None = None) -> int:
    """Mark active grants past their expiry EXPIRED (reads already treat them so)."""
    return await PrivilegeGrant.filter(
        status=GrantStatus.ACTIVE, expires_at__lte=now or _now()
    ).update(status=GrantStatus.EXPIRED)


async def refresh_all() -> str:
    """The periodic job: expire grants, then re-evaluate every privilege for every member."""
    async with in_transaction():
        expired = await expire_grants()
    granted = withdrawn = 0
    for p in await Privilege.all().order_by("id"):
        async with in_transaction():
            done = await refresh_grants(p)
        granted, withdrawn = granted + done.granted, withdrawn + done.withdrawn
    return f"privileges: {granted} granted, {withdrawn} withdrawn, {expired} expired"


# --- manual grants ---------------------------------------------------------------------------


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise _fail("Give a reason of 1-500 characters.", "reason")
    return reason


async def grant_privilege(
    member_id: int,
    privilege_id_or_code: int | str,
    *,
    reason: str,
    actor: StaffViewer | None = None,
    expires_at: datetime | None = None,
) -> PrivilegeGrant:
    """Grant a privilege by hand (staff, or another feature such as a referral reward).

    Whatever the eligibility rules say, the grant stays until it is used, expires or staff
    revoke it. An active grant is kept (and no longer withdrawn by the rules); an expired or
    revoked one is given again.
    """
    reason = _check_reason(reason)
    now = _now()
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise _fail("expiresAt must be a future time with a time zone.", "expiresAt")
    async with in_transaction():
        privilege = await get_privilege(privilege_id_or_code)
        if not await Member.exists(id=member_id):
            raise _fail("No such member.", "memberId", Code.MEMBER_NOT_FOUND)
        if not privilege.active:
            raise _fail("This privilege is no longer offered.", "privilegeId", Code.INACTIVE)
        if privilege.ends_at is not None and privilege.ends_at <= now:
            raise _fail("This privilege has ended.", "privilegeId", Code.EXPIRED)
        expiry = expires_at or grant_expiry(now, privilege.ends_at, privilege.grant_days)
        values = {
            "status": GrantStatus.ACTIVE,
            "source": GrantSource.MANUAL,
            "reason": reason,
            "staff_id": actor.staff_id if actor else None,
            "granted_at": now,
            "expires_at": expiry,
            "revoked_at": None,
            "withdrawn": False,
        }
        try:
            async with in_transaction():
                grant = await PrivilegeGrant.create(
                    member_id=member_id, privilege_id=privilege.id, **values
                )
        except IntegrityError:
            grant = await PrivilegeGrant.get(
                member_id=member_id, privilege_id=privilege.id
            ).select_for_update()
            if grant.status == GrantStatus.REDEEMED:
                raise _fail(
                    "The member already used this privilege.", "privilegeId", Code.ALREADY_REDEEMED
                ) from None
            if grant.status == GrantStatus.ACTIVE and not _expired(grant, now):
                # Keep the expiry and the original grant time; only the staff's hold changes.
                values = {k: values[k] for k in ("source", "reason", "staff_id")}
            grant.update_from_dict(values)
            await grant.save()
        await audit.record(
            actor,
            "privilege.grant",
            "Member",
            member_id,
            after={"privilege": privilege.code, "reason": reason},
        )
    return grant


async def revoke_grant(
    member_id: int, privilege_id: int, reason: str, *, actor: StaffViewer | None
) -> PrivilegeGrant:
    """Staff withdraw a grant; a reserved seat is given back. Rules never restore it."""
    reason = _check_reason(reason)
    now = _now()
    async with in_transaction():
        privilege, grant = await _lock(member_id, privilege_id)
        if grant is None or grant.status != GrantStatus.ACTIVE:
            raise _fail(
                "The member holds no active grant of this.", "privilegeId", Code.NOT_GRANTED
            )
        rsvp = await PrivilegeRsvp.get_or_none(grant_id=grant.id, status=RsvpStatus.RESERVED)
        if rsvp is not None:
            await _release_seat(privilege, rsvp, now)
        grant.update_from_dict(
            {"status": GrantStatus.REVOKED, "revoked_at": now, "withdrawn": False, "reason": reason}
        )
        await grant.save()
        await audit.record(
            actor,
            "privilege.revoke",
            "Member",
            member_id,
            after={"privilege": privilege.code, "reason": reason},
        )
    return grant


# --- using a privilege -----------------------------------------------------------------------


def _expired(grant: PrivilegeGrant, now: datetime) -> bool:
    return grant.expires_at is not None and grant.expires_at <= now


def effective_status(grant: PrivilegeGrant, now: datetime | None = None) -> GrantStatus:
    """The status as of now: an active grant past its expiry is EXPIRED before any sweep."""
    if grant.status == GrantStatus.ACTIVE and _expired(grant, now or _now()):
        return GrantStatus.EXPIRED
    return GrantStatus(grant.status)


async def _lock(member_id: int, privilege_id: int) -> tuple[Privilege, PrivilegeGrant | None]:
    # Always the privilege row first, then the grant: one lock order, no deadlocks.
    privilege = await Privilege.get_or_none(id=privilege_id).select_for_update()
    if privilege is None:
        raise _fail("No such privilege.", "privilegeId", Code.NOT_FOUND)
    grant = await PrivilegeGrant.get_or_none(
        member_id=member_id, privilege_id=privilege_id
    ).select_for_update()
    return privilege, grant


async def _check_usable(
    privilege: Privilege,
    grant: PrivilegeGrant | None,
    now: datetime,
    channel: Channel | None,
    *,
    before_start: bool = False,
) -> PrivilegeGrant:
    """Refuse, with a typed error, a grant that cannot be used now (stock and quota aside)."""
    if grant is None:
        raise _fail("The member is not eligible for this privilege.", None, Code.NOT_ELIGIBLE)
    if grant.status == GrantStatus.REVOKED:
        raise _fail("This privilege was withdrawn from the member.", None, Code.NOT_ELIGIBLE)
    if grant.status == GrantStatus.REDEEMED:
        raise _fail("This privilege was already used.", None, Code.ALREADY_REDEEMED)
    if effective_status(grant, now) == GrantStatus.EXPIRED:
        raise _fail("This grant has expired.", None, Code.EXPIRED)
    if not privilege.active:
        raise _fail("This privilege is no longer offered.", None, Code.INACTIVE)
    if privilege.ends_at is not None and privilege.ends_at <= now:
        raise _fail("This privilege has ended.", None, Code.EXPIRED)
    if not before_start and privilege.starts_at is not None and privilege.starts_at > now:
        raise _fail("This privilege cannot be used yet.", None, Code.NOT_STARTED)
    if channel is not None and privilege.channel not in (Channel.BOTH, channel):
        raise _fail(
            f"This privilege is redeemed {privilege.channel.lower()} only.",
            "channel",
            Code.WRONG_CHANNEL,
        )
    if grant.source == GrantSource.AUTO and not await is_eligible(privilege, grant.member_id):
        raise _fail("The member is no longer eligible.", None, Code.NOT_ELIGIBLE)
    return grant


async def _used(member_id: int, privilege: Privilege, period: str) -> int:
    row = await PrivilegeUsage.get_or_none(
        member_id=member_id, privilege_id=privilege.id, period_key=period
    )
    return row.used if row else 0


async def _check_available(
    privilege: Privilege, grant: PrivilegeGrant, now: datetime, *, seat_taken: bool
) -> None:
    """Read-only checks of quota and stock, for answers that do not use the privilege."""
    if await _used(grant.member_id, privilege, period_key(privilege.quota_period, now)) >= (
        privilege.quota
    ):
        raise _fail("The member's quota for this period is used.", None, Code.QUOTA_USED)
    if not seat_taken and privilege.remaining_stock is not None and privilege.remaining_stock <= 0:
        raise _fail("This privilege is out of stock.", None, Code.OUT_OF_STOCK)


async def _take_stock(privilege: Privilege) -> None:
    taken = await Privilege.filter(id=privilege.id, remaining_stock__gt=0).update(
        remaining_stock=F("remaining_stock") - 1
    )
    if not taken:
        raise _fail("This privilege is out of stock.", None, Code.OUT_OF_STOCK)


async def _use_quota(member_id: int, privilege: Privilege, period: str) -> int:
    """Count one use in the period, refusing beyond the quota; returns the uses so far."""
    await PrivilegeUsage.bulk_create(
        [PrivilegeUsage(member_id=member_id, privilege_id=privilege.id, period_key=period)],
        ignore_conflicts=True,
    )
    row = PrivilegeUsage.filter(member_id=member_id, privilege_id=privilege.id, period_key=period)
    if not await row.filter(used__lt=privilege.quota).update(used=F("used") + 1):
        raise _fail("The member's quota for this period is used.", None, Code.QUOTA_USED)
    return await _used(member_id, privilege, period)


@dataclass(frozen=True)
class Redeemed:
    redemption: PrivilegeRedemption
    replayed: bool


async def redeem(
    member_id: int,
    privilege_id: int,
    *,
    channel: Channel,
    via: RedeemedVia,
    idempotency_key: str,
    actor: StaffViewer | None = None,
    partner_id: int | None = None,
) -> Redeemed:
    """Use a privilege once (for EVENT and TICKET: check in to the reserved seat).

    Atomic and idempotent: a second call with the member's same ``idempotency_key`` returns
    the first redemption; concurrent calls never exceed stock or the member's quota.
    """
    if not 1 <= len(idempotency_key) <= 100:
        raise _fail("idempotencyKey is 1-100 characters.", "idempotencyKey")
    if channel is Channel.BOTH:
        raise _fail("A redemption happens ONLINE or in a STORE.", "channel")
    now = _now()
    async with in_transaction():
        privilege, grant = await _lock(member_id, privilege_id)
        existing = await PrivilegeRedemption.get_or_none(
            member_id=member_id, idempotency_key=idempotency_key
        )
        if existing is not None:
            if existing.privilege_id != privilege_id:
                raise _fail(
                    "This idempotencyKey was used for another privilege.",
                    "idempotencyKey",
                    Code.IDEMPOTENCY_CONFLICT,
                )
            return Redeemed(existing, replayed=True)
        grant = await _check_usable(privilege, grant, now, channel)
        seated = privilege.kind in SEATED
        rsvp = None
        if seated:
            rsvp = await PrivilegeRsvp.get_or_none(grant_id=grant.id).select_for_update()
            if rsvp is None or rsvp.status == RsvpStatus.CANCELLED:
                raise _fail("The member has no reserved seat.", None, Code.NOT_RESERVED)
            if rsvp.status == RsvpStatus.CHECKED_IN:
                raise _fail("The member already checked in.", None, Code.ALREADY_REDEEMED)
        period = period_key(privilege.quota_period, now)
        used = await _use_quota(member_id, privilege, period)
        if not seated and privilege.remaining_stock is not None:
            await _take_stock(privilege)
        redemption = await PrivilegeRedemption.create(
            grant_id=grant.id,
            member_id=member_id,
            privilege_id=privilege.id,
            idempotency_key=idempotency_key,
            channel=channel,
            via=via,
            staff_id=actor.staff_id if actor else None,
            partner_id=partner_id,
            period_key=period,
        )
        if rsvp is not None:
            rsvp.status, rsvp.checked_in_at = RsvpStatus.CHECKED_IN, now
            await rsvp.save(update_fields=["status", "checked_in_at"])
        if seated or (privilege.quota_period == QuotaPeriod.LIFETIME and used >= privilege.quota):
            grant.status, grant.redeemed_at = GrantStatus.REDEEMED, now
            await grant.save(update_fields=["status", "redeemed_at"])
        if actor is not None:
            await audit.record(
                actor,
                "privilege.redeem",
                "Member",
                member_id,
                after={"privilege": privilege.code, "channel": channel.value},
            )
    return Redeemed(redemption, replayed=False)


# --- redemption codes (the member's QR, scanned at a counter) ---------------------------------


@dataclass(frozen=True)
class CodeTarget:
    member_id: int
    privilege_id: int
    code: str  # normalized
    expires_at: datetime


def decode_code(secret: str, code: str) -> CodeTarget:
    try:
        (member_id, privilege_id, _nonce), expires_at = signing.verify(
            secret, CODE_PURPOSE, code, 3
        )
    except signing.TokenError as exc:
        if exc.problem is signing.TokenProblem.EXPIRED:
            raise _fail(
                "This code has expired; ask for a new one.", "code", Code.CODE_EXPIRED
            ) from exc
        raise _fail("This is not a valid redemption code.", "code", Code.CODE_INVALID) from exc
    return CodeTarget(member_id, privilege_id, signing.normalize(code), expires_at)


async def issue_code(
    secret: str, ttl_seconds: int, member_id: int, privilege_id: int
) -> tuple[str, datetime]:
    """A short-lived code for the member to show at a store; refused up front (with the same
    typed errors as a redemption) when the privilege could not be used there now."""
    now = _now()
    privilege = await get_privilege(privilege_id)
    grant = await PrivilegeGrant.get_or_none(member_id=member_id, privilege_id=privilege_id)
    grant = await _check_usable(privilege, grant, now, Channel.STORE)
    await _check_seat_and_availability(privilege, grant, now)
    expires_at = (now + timedelta(seconds=ttl_seconds)).replace(microsecond=0)
    nonce = secrets.randbelow(2**32)
    code = signing.sign(secret, CODE_PURPOSE, (member_id, privilege_id, nonce), expires_at)
    return code, expires_at


async def _check_seat_and_availability(
    privilege: Privilege, grant: PrivilegeGrant, now: datetime
) -> None:
    seated = privilege.kind in SEATED
    if seated:
        rsvp = await PrivilegeRsvp.get_or_none(grant_id=grant.id)
        if rsvp is None or rsvp.status == RsvpStatus.CANCELLED:
            raise _fail("The member has no reserved seat.", None, Code.NOT_RESERVED)
        if rsvp.status == RsvpStatus.CHECKED_IN:
            raise _fail("The member already checked in.", None, Code.ALREADY_REDEEMED)
    await _check_available(privilege, grant, now, seat_taken=seated)


@dataclass
class CodeCheck:
    """What a store learns from scanning a code, without using it."""

    error: DomainError | None
    target: CodeTarget | None = None
    privilege: Privilege | None = None
    member: Member | None = None
    grant: PrivilegeGrant | None = None


async def verify_code(secret: str, code: str) -> CodeCheck:
    try:
        target = decode_code(secret, code)
    except DomainError as exc:
        return CodeCheck(error=exc)
    privilege = await Privilege.get_or_none(id=target.privilege_id)
    member = await Member.get_or_none(id=target.member_id)
    grant = await PrivilegeGrant.get_or_none(
        member_id=target.member_id, privilege_id=target.privilege_id
    )
    check = CodeCheck(None, target, privilege, member, grant)
    if privilege is None or member is None:
        check.error = _fail("This code names nothing known.", "code", Code.CODE_INVALID)
        return check
    if redeemed := await PrivilegeRedemption.get_or_none(
        member_id=target.member_id, idempotency_key=code_key(target)
    ):
        check.error = _fail(
            f"This code was already redeemed at {redeemed.created_at.isoformat()}.",
            "code",
            Code.ALREADY_REDEEMED,
        )
        return check
    try:
        now = _now()
        usable = await _check_usable(privilege, grant, now, Channel.STORE)
        await _check_seat_and_availability(privilege, usable, now)
    except DomainError as exc:
        check.error = exc
    return check


def code_key(target: CodeTarget) -> str:
    """The idempotency key of a redemption by code: each code is used at most once."""
    return f"code:{target.code}"


async def redeem_code(
    secret: str,
    code: str,
    *,
    via: RedeemedVia,
    actor: StaffViewer | None = None,
    partner_id: int | None = None,
) -> Redeemed:
    """Redeem what a scanned code names, in a store. Scanning it twice redeems once."""
    target = decode_code(secret, code)
    return await redeem(
        target.member_id,
        target.privilege_id,
        channel=Channel.STORE,
        via=via,
        idempotency_key=code_key(target),
        actor=actor,
        partner_id=partner_id,
    )


# --- seats -----------------------------------------------------------------------------------


async def _release_seat(privilege: Privilege, rsvp: PrivilegeRsvp, now: datetime) -> None:
    rsvp.status, rsvp.cancelled_at = RsvpStatus.CANCELLED, now
    await rsvp.save(update_fields=["status", "cancelled_at"])
    if privilege.remaining_stock is not None:
        await Privilege.filter(id=privilege.id).update(remaining_stock=F("remaining_stock") + 1)


async def reserve_seat(member_id: int, privilege_id: int) -> PrivilegeRsvp:
    """RSVP to an EVENT or TICKET privilege: takes one seat, if any is left."""
    now = _now()
    async with in_transaction():
        privilege, grant = await _lock(member_id, privilege_id)
        if privilege.kind not in SEATED:
            raise _fail("Only EVENT and TICKET privileges take an RSVP.", "privilegeId")
        grant = await _check_usable(privilege, grant, now, None, before_start=True)
        rsvp = await PrivilegeRsvp.get_or_none(grant_id=grant.id).select_for_update()
        if rsvp is not None and rsvp.status == RsvpStatus.RESERVED:
            raise _fail("The member already has a seat.", None, Code.ALREADY_RESERVED)
        if rsvp is not None and rsvp.status == RsvpStatus.CHECKED_IN:
            raise _fail("The member already checked in.", None, Code.ALREADY_REDEEMED)
        await _check_available(privilege, grant, now, seat_taken=True)
        await _take_stock(privilege)
        if rsvp is None:
            rsvp = await PrivilegeRsvp.create(
                grant_id=grant.id,
                member_id=member_id,
                privilege_id=privilege.id,
                status=RsvpStatus.RESERVED,
                reserved_at=now,
            )
        else:
            rsvp.update_from_dict(
                {"status": RsvpStatus.RESERVED, "reserved_at": now, "cancelled_at": None}
            )
            await rsvp.save()
    return rsvp


async def cancel_seat(member_id: int, privilege_id: int) -> PrivilegeRsvp:
    """Cancel an RSVP before check-in; the seat goes back to the pool."""
    async with in_transaction():
        privilege, grant = await _lock(member_id, privilege_id)
        rsvp = (
            await PrivilegeRsvp.get_or_none(grant_id=grant.id).select_for_update()
            if grant is not None
            else None
        )
        if rsvp is None or rsvp.status != RsvpStatus.RESERVED:
            raise _fail("The member has no reserved seat.", None, Code.NOT_RESERVED)
        await _release_seat(privilege, rsvp, _now())
    return rsvp


# --- report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    privilege: Privilege
    grants_active: int
    grants_issued: int
    redemptions: int
    seats_reserved: int


async def report(start: datetime, end: datetime) -> list[ReportRow]:
    """Per privilege: grants active now, grants issued and redemptions in [start, end), seats
    reserved now, remaining stock. Five statements whatever the number of privileges."""
    for value, name in ((start, "from"), (end, "to")):
        if value.tzinfo is None:
            raise _fail("Time must carry a time zone.", name)
    if end <= start:
        raise _fail("`to` must be after `from`.", "to")
    now = _now()

    async def per_privilege(query: QuerySet[Any]) -> dict[int, int]:
        rows = (
            await query.annotate(n=Count("id"))
            .group_by("privilege_id")
            .values_list("privilege_id", "n")
        )
        return dict(rows)

    active = await per_privilege(
        PrivilegeGrant.filter(status=GrantStatus.ACTIVE).filter(
            Q(expires_at=None) | Q(expires_at__gt=now)
        )
    )
    issued = await per_privilege(PrivilegeGrant.filter(granted_at__gte=start, granted_at__lt=end))
    redeemed = await per_privilege(
        PrivilegeRedemption.filter(created_at__gte=start, created_at__lt=end)
    )
    seats = await per_privilege(PrivilegeRsvp.filter(status=RsvpStatus.RESERVED))
    return [
        ReportRow(
            privilege=p,
            grants_active=active.get(p.id, 0),
            grants_issued=issued.get(p.id, 0),
            redemptions=redeemed.get(p.id, 0),
            seats_reserved=seats.get(p.id, 0),
        )
        for p in await Privilege.all().order_by("id")
    ]


# --- reacting to other features --------------------------------------------------------------


async def _on_koc_status_changed(member: Member, status: str, roles: list[str], **_: Any) -> None:
    # Record the roles here too (a no-op when the badges handler ran first), so the grants
    # never depend on the order the handlers were connected in.
    await badge_services.set_koc_roles(member.id, badge_services.roles_held(status, roles))
    await refresh_member_grants([member.id], "roles")


async def _on_stages_changed(calls: Sequence[dict[str, Any]]) -> None:
    await refresh_member_grants([c["member"].id for c in calls], "stages")


async def _on_tags_changed(member_ids: list[int], **_: Any) -> None:
    await refresh_member_grants(member_ids, "tags")


async def _on_badges_changed(member_ids: list[int], **_: Any) -> None:
    await refresh_member_grants(member_ids, "badges")


async def _on_member_merged(prospect: Member, member: Member, **_: Any) -> None:
    kept = dict(await PrivilegeGrant.filter(member_id=member.id).values_list("privilege_id", "id"))
    for twin in await PrivilegeGrant.filter(member_id=prospect.id, privilege_id__in=list(kept)):
        await PrivilegeRedemption.filter(grant_id=twin.id).update(grant_id=kept[twin.privilege_id])
        await PrivilegeRsvp.filter(grant_id=twin.id).delete()
        await twin.delete()
    await PrivilegeGrant.filter(member_id=prospect.id).update(member_id=member.id)
    await PrivilegeRsvp.filter(member_id=prospect.id).update(member_id=member.id)
    await PrivilegeRedemption.filter(member_id=prospect.id).update(member_id=member.id)
    for usage in await PrivilegeUsage.filter(member_id=prospect.id):
        moved = await PrivilegeUsage.filter(
            member_id=member.id, privilege_id=usage.privilege_id, period_key=usage.period_key
        ).update(used=F("used") + usage.used)
        if moved:
            await usage.delete()
        else:
            usage.member_id = member.id
            await usage.save(update_fields=["member_id"])
    await refresh_member_grants([member.id])


hooks.koc_status_changed.connect(_on_koc_status_changed)
hooks.member_stage_changed.connect_batch(_on_stages_changed)
hooks.member_tags_changed.connect(_on_tags_changed)
hooks.member_badges_changed.connect(_on_badges_changed)
hooks.member_merged.connect(_on_member_merged)
