"""Redemption: using a privilege once, atomically and idempotently (conditional updates for
stock and the per-period quota, so concurrent redemptions never oversell). Changes when the
act of using a privilege changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.events import PrivilegeRedeemed, publish
from koc.privileges.errors import PrivilegeErrorCode as Code
from koc.privileges.errors import fail
from koc.privileges.models import (
    SEATED,
    Channel,
    GrantStatus,
    Privilege,
    PrivilegeRedemption,
    PrivilegeRsvp,
    PrivilegeUsage,
    QuotaPeriod,
    RedeemedVia,
    RsvpStatus,
)
from koc.privileges.rules import period_key
from koc.privileges.usable import check_usable, lock_grant, take_stock, uses_in_period


async def _use_quota(member_id: int, privilege: Privilege, period: str) -> int:
    """Count one use in the period, refusing beyond the quota; returns the uses so far."""
    await PrivilegeUsage.bulk_create(
        [PrivilegeUsage(member_id=member_id, privilege_id=privilege.id, period_key=period)],
        ignore_conflicts=True,
    )
    row = PrivilegeUsage.filter(member_id=member_id, privilege_id=privilege.id, period_key=period)
    if not await row.filter(used__lt=privilege.quota).update(used=F("used") + 1):
        raise fail("The member's quota for this period is used.", None, Code.QUOTA_USED)
    return await uses_in_period(member_id, privilege, period)


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
        raise fail("idempotencyKey is 1-100 characters.", "idempotencyKey")
    if channel is Channel.BOTH:
        raise fail("A redemption happens ONLINE or in a STORE.", "channel")
    now = datetime.now(UTC)
    async with in_transaction():
        privilege, grant = await lock_grant(member_id, privilege_id)
        existing = await PrivilegeRedemption.get_or_none(
            member_id=member_id, idempotency_key=idempotency_key
        )
        if existing is not None:
            if existing.privilege_id != privilege_id:
                raise fail(
                    "This idempotencyKey was used for another privilege.",
                    "idempotencyKey",
                    Code.IDEMPOTENCY_CONFLICT,
                )
            return Redeemed(existing, replayed=True)
        grant = await check_usable(privilege, grant, now, channel)
        seated = privilege.kind in SEATED
        rsvp = None
        if seated:
            rsvp = await PrivilegeRsvp.get_or_none(grant_id=grant.id).select_for_update()
            if rsvp is None or rsvp.status == RsvpStatus.CANCELLED:
                raise fail("The member has no reserved seat.", None, Code.NOT_RESERVED)
            if rsvp.status == RsvpStatus.CHECKED_IN:
                raise fail("The member already checked in.", None, Code.ALREADY_REDEEMED)
        period = period_key(privilege.quota_period, now)
        used = await _use_quota(member_id, privilege, period)
        if not seated and privilege.remaining_stock is not None:
            await take_stock(privilege)
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
        await publish(PrivilegeRedeemed(redemption=redemption, privilege_code=privilege.code))
    return Redeemed(redemption, replayed=False)
