"""Seats of EVENT and TICKET privileges: reserving one (an RSVP takes a unit of stock) and
giving it back. Check-in is the redemption. Changes when the seating rules change."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from koc.privileges.errors import PrivilegeErrorCode as Code
from koc.privileges.errors import fail
from koc.privileges.models import SEATED, Privilege, PrivilegeRsvp, RsvpStatus
from koc.privileges.usable import check_available, check_usable, lock_grant, take_stock


async def release_seat(privilege: Privilege, rsvp: PrivilegeRsvp, now: datetime) -> None:
    rsvp.status, rsvp.cancelled_at = RsvpStatus.CANCELLED, now
    await rsvp.save(update_fields=["status", "cancelled_at"])
    if privilege.remaining_stock is not None:
        await Privilege.filter(id=privilege.id).update(remaining_stock=F("remaining_stock") + 1)


async def reserve_seat(member_id: int, privilege_id: int) -> PrivilegeRsvp:
    """RSVP to an EVENT or TICKET privilege: takes one seat, if any is left."""
    now = datetime.now(UTC)
    async with in_transaction():
        privilege, grant = await lock_grant(member_id, privilege_id)
        if privilege.kind not in SEATED:
            raise fail("Only EVENT and TICKET privileges take an RSVP.", "privilegeId")
        grant = await check_usable(privilege, grant, now, None, before_start=True)
        rsvp = await PrivilegeRsvp.get_or_none(grant_id=grant.id).select_for_update()
        if rsvp is not None and rsvp.status == RsvpStatus.RESERVED:
            raise fail("The member already has a seat.", None, Code.ALREADY_RESERVED)
        if rsvp is not None and rsvp.status == RsvpStatus.CHECKED_IN:
            raise fail("The member already checked in.", None, Code.ALREADY_REDEEMED)
        await check_available(privilege, grant, now, seat_taken=True)
        await take_stock(privilege)
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
        privilege, grant = await lock_grant(member_id, privilege_id)
        rsvp = (
            await PrivilegeRsvp.get_or_none(grant_id=grant.id).select_for_update()
            if grant is not None
            else None
        )
        if rsvp is None or rsvp.status != RsvpStatus.RESERVED:
            raise fail("The member has no reserved seat.", None, Code.NOT_RESERVED)
        await release_seat(privilege, rsvp, datetime.now(UTC))
    return rsvp
