"""Eligibility and automatic grants, evaluated in SQL: a privilege's audience (a rule of the
segment language or a saved segment, koc.members.audience) is one condition over members, so
granting to every eligible member is a handful of statements per 5,000 members. Changes when
what can make a member eligible changes. koc.segments.layering re-runs it for the members whose
facts changed, on the path that re-layers tag rules (``refresh_member_grants``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from koc.events import PrivilegeGranted, publish_many
from koc.events.memo import once_per_version
from koc.jobs import NO_PROGRESS, Progress
from koc.members.audience import Audience, conditions, facts_read
from koc.members.models import Member
from koc.privileges.models import GrantSource, GrantStatus, Privilege, PrivilegeGrant
from koc.privileges.rules import grant_expiry

CHUNK = 5000


def audience_of(p: Privilege) -> Audience:
    """Who ``p`` is for; everyone (neither rule nor segment) means staff grants only."""
    return Audience(p.audience_rule, p.audience_segment_id)


@dataclass(frozen=True)
class Refreshed:
    granted: int = 0
    withdrawn: int = 0


async def eligible_members(p: Privilege, now: datetime | None = None) -> QuerySet[Member] | None:
    """The members ``p``'s audience holds, as one query; None when it has none (staff grants
    only)."""
    audience = audience_of(p)
    if audience.everyone:
        return None
    (condition,) = await conditions([audience], now or datetime.now(UTC))
    return Member.filter(condition)


async def is_eligible(p: Privilege, member_id: int) -> bool:
    eligible = await eligible_members(p)
    return eligible is not None and await eligible.filter(id=member_id).exists()


async def refresh_grants(
    p: Privilege,
    member_ids: Sequence[int] | None = None,
    now: datetime | None = None,
    progress: Progress = NO_PROGRESS,
) -> Refreshed:
    """Make ``p``'s automatic grants match eligibility, for ``member_ids`` or everyone:
    grant to the newly eligible (or give back what the rules withdrew), withdraw from the no
    longer eligible (redeemed grants stay). Grants made by staff are never touched."""
    now = now or datetime.now(UTC)
    scope = {} if member_ids is None else {"member_id__in": list(member_ids)}
    auto = PrivilegeGrant.filter(privilege_id=p.id, source=GrantSource.AUTO, **scope)
    eligible = await eligible_members(p, now) if p.active else None
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
    given = {"status": GrantStatus.ACTIVE, "granted_at": now, "expires_at": expires_at}
    back = await auto.filter(
        status=GrantStatus.REVOKED, withdrawn=True, member_id__in=eligible_ids
    ).select_for_update()
    if back:
        await PrivilegeGrant.filter(id__in=[g.id for g in back]).update(
            revoked_at=None, withdrawn=False, **given
        )
        for g in back:
            g.update_from_dict(given)
        await _announce(p, back)
    granted = len(back)
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
        # The rows this refresh inserted (ignore_conflicts returns no ids; a grant a concurrent
        # call inserted first has another granted_at, or is not AUTO).
        await _announce(p, await auto.filter(member_id__in=ids, granted_at=now))
        granted += len(ids)
        after = ids[-1]
        progress.advance(len(ids))
    return Refreshed(granted=granted, withdrawn=withdrawn)


async def _announce(p: Privilege, grants: Sequence[PrivilegeGrant]) -> None:
    """Publish the grants the rules just gave (partners and the members hear of them)."""
    await publish_many([PrivilegeGranted(grant=g, privilege_code=p.code) for g in grants])


# What is kept of a privilege between batches (koc.events.memo.once_per_version): what granting
# reads, not its stock, which each redemption changes without moving config_version (migration
# privileges 0004). The instances are partial (``.only``): a reader of another field fails loudly.
_KEPT_FIELDS = (
    "id",
    "code",
    "name",
    "kind",
    "audience_rule",
    "audience_segment_id",
    "starts_at",
    "ends_at",
    "grant_days",
    "active",
)


async def _automatic_privileges() -> list[tuple[Privilege, set[str]]]:
    """The active privileges granted by their audience, each with the kinds of facts that
    audience reads (a saved segment's rule as it is now)."""
    active = await Privilege.filter(active=True).order_by("id").only(*_KEPT_FIELDS)
    automatic = [p for p in active if not audience_of(p).everyone]
    reads = await facts_read([audience_of(p) for p in automatic]) if automatic else []
    return list(zip(automatic, reads, strict=True))


async def refresh_member_grants(member_ids: Sequence[int], fact: str | None = None) -> None:
    """Re-evaluate the automatic grants of these members, only for privileges whose audience
    reads ``fact`` (a kind of koc.segments.rules.facts_read: tags, stage, koc, orders, ...;
    None for all). The privileges and their audiences' segments are kept while their tables
    are unchanged (``once_per_version``)."""
    automatic = await once_per_version("privileges.automatic", _automatic_privileges)
    for p, facts in automatic:
        if fact is not None and fact not in facts:
            continue
        for start in range(0, len(member_ids), CHUNK):
            await refresh_grants(p, member_ids[start : start + CHUNK])


async def expire_grants(now: datetime | None = None) -> int:
    """Mark active grants past their expiry EXPIRED (reads already treat them so)."""
    return await PrivilegeGrant.filter(
        status=GrantStatus.ACTIVE, expires_at__lte=now or datetime.now(UTC)
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
