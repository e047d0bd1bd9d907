"""Whether a member can use a grant now, shared by redemption, QR codes and seats: the lock
order (privilege row, then grant), the typed refusals, and the quota and stock checks.
Changes when what makes a grant usable changes."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.expressions import F

from koc.privileges.eligibility import is_eligible
from koc.privileges.errors import PrivilegeErrorCode as Code
from koc.privileges.errors import fail
from koc.privileges.models import (
    Channel,
    GrantSource,
    GrantStatus,
    Privilege,
    PrivilegeGrant,
    PrivilegeUsage,
)
from koc.privileges.rules import period_key


def is_expired(grant: PrivilegeGrant, now: datetime) -> bool:
    return grant.expires_at is not None and grant.expires_at <= now


def effective_status(grant: PrivilegeGrant, now: datetime | None = None) -> GrantStatus:
    """The status as of now: an active grant past its expiry is EXPIRED before any sweep."""
    if grant.status == GrantStatus.ACTIVE and is_expired(grant, now or datetime.now(UTC)):
        return GrantStatus.EXPIRED
    return GrantStatus(grant.status)


async def lock_grant(member_id: int, privilege_id: int) -> tuple[Privilege, PrivilegeGrant | None]:
    # Always the privilege row first, then the grant: one lock order, no deadlocks.
    privilege = await Privilege.get_or_none(id=privilege_id).select_for_update()
    if privilege is None:
        raise fail("No such privilege.", "privilegeId", Code.NOT_FOUND)
    grant = await PrivilegeGrant.get_or_none(
        member_id=member_id, privilege_id=privilege_id
    ).select_for_update()
    return privilege, grant


async def check_usable(
    privilege: Privilege,
    grant: PrivilegeGrant | None,
    now: datetime,
    channel: Channel | None,
    *,
    before_start: bool = False,
) -> PrivilegeGrant:
    """Refuse, with a typed error, a grant that cannot be used now (stock and quota aside)."""
    if grant is None:
        raise fail("The member is not eligible for this privilege.", None, Code.NOT_ELIGIBLE)
    if grant.status == GrantStatus.REVOKED:
        raise fail("This privilege was withdrawn from the member.", None, Code.NOT_ELIGIBLE)
    if grant.status == GrantStatus.REDEEMED:
        raise fail("This privilege was already used.", None, Code.ALREADY_REDEEMED)
    if effective_status(grant, now) == GrantStatus.EXPIRED:
        raise fail("This grant has expired.", None, Code.EXPIRED)
    if not privilege.active:
        raise fail("This privilege is no longer offered.", None, Code.INACTIVE)
    if privilege.ends_at is not None and privilege.ends_at <= now:
        raise fail("This privilege has ended.", None, Code.EXPIRED)
    if not before_start and privilege.starts_at is not None and privilege.starts_at > now:
        raise fail("This privilege cannot be used yet.", None, Code.NOT_STARTED)
    if channel is not None and privilege.channel not in (Channel.BOTH, channel):
        raise fail(
            f"This privilege is redeemed {privilege.channel.lower()} only.",
            "channel",
            Code.WRONG_CHANNEL,
        )
    if grant.source == GrantSource.AUTO and not await is_eligible(privilege, grant.member_id):
        raise fail("The member is no longer eligible.", None, Code.NOT_ELIGIBLE)
    return grant


async def uses_in_period(member_id: int, privilege: Privilege, period: str) -> int:
    row = await PrivilegeUsage.get_or_none(
        member_id=member_id, privilege_id=privilege.id, period_key=period
    )
    return row.used if row else 0


async def check_available(
    privilege: Privilege, grant: PrivilegeGrant, now: datetime, *, seat_taken: bool
) -> None:
    """Read-only checks of quota and stock, for answers that do not use the privilege."""
    if await uses_in_period(
        grant.member_id, privilege, period_key(privilege.quota_period, now)
    ) >= (privilege.quota):
        raise fail("The member's quota for this period is used.", None, Code.QUOTA_USED)
    if not seat_taken and privilege.remaining_stock is not None and privilege.remaining_stock <= 0:
        raise fail("This privilege is out of stock.", None, Code.OUT_OF_STOCK)


async def take_stock(privilege: Privilege) -> None:
    taken = await Privilege.filter(id=privilege.id, remaining_stock__gt=0).update(
        remaining_stock=F("remaining_stock") - 1
    )
    if not taken:
        raise fail("This privilege is out of stock.", None, Code.OUT_OF_STOCK)
