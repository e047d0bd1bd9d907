"""Grants made by hand: staff (or another feature, such as a referral reward) grant a
privilege whatever the eligibility rules say, and staff revoke one. Changes when the rules of
a manual grant change."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.events import PrivilegeGranted, publish
from koc.members.models import Member
from koc.privileges.catalogue import get_privilege
from koc.privileges.errors import PrivilegeErrorCode as Code
from koc.privileges.errors import fail
from koc.privileges.models import (
    GrantSource,
    GrantStatus,
    PrivilegeGrant,
    PrivilegeRsvp,
    RsvpStatus,
)
from koc.privileges.rules import grant_expiry
from koc.privileges.seats import release_seat
from koc.privileges.usable import is_expired, lock_grant


def _check_reason(reason: str) -> str:
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise fail("Give a reason of 1-500 characters.", "reason")
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
    now = datetime.now(UTC)
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise fail("expiresAt must be a future time with a time zone.", "expiresAt")
    async with in_transaction():
        privilege = await get_privilege(privilege_id_or_code)
        if not await Member.exists(id=member_id):
            raise fail("No such member.", "memberId", Code.MEMBER_NOT_FOUND)
        if not privilege.active:
            raise fail("This privilege is no longer offered.", "privilegeId", Code.INACTIVE)
        if privilege.ends_at is not None and privilege.ends_at <= now:
            raise fail("This privilege has ended.", "privilegeId", Code.EXPIRED)
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
        granted = True  # False: the grant was active already and stays as it was
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
                raise fail(
                    "The member already used this privilege.", "privilegeId", Code.ALREADY_REDEEMED
                ) from None
            if grant.status == GrantStatus.ACTIVE and not is_expired(grant, now):
                # Keep the expiry and the original grant time; only the staff's hold changes.
                values = {k: values[k] for k in ("source", "reason", "staff_id")}
                granted = False
            grant.update_from_dict(values)
            await grant.save()
        await audit.record(
            actor,
            "privilege.grant",
            "Member",
            member_id,
            after={"privilege": privilege.code, "reason": reason},
        )
        if granted:
            await publish(PrivilegeGranted(grant=grant, privilege_code=privilege.code))
    return grant


async def revoke_grant(
    member_id: int, privilege_id: int, reason: str, *, actor: StaffViewer | None
) -> PrivilegeGrant:
    """Staff withdraw a grant; a reserved seat is given back. Rules never restore it."""
    reason = _check_reason(reason)
    now = datetime.now(UTC)
    async with in_transaction():
        privilege, grant = await lock_grant(member_id, privilege_id)
        if grant is None or grant.status != GrantStatus.ACTIVE:
            raise fail("The member holds no active grant of this.", "privilegeId", Code.NOT_GRANTED)
        rsvp = await PrivilegeRsvp.get_or_none(grant_id=grant.id, status=RsvpStatus.RESERVED)
        if rsvp is not None:
            await release_seat(privilege, rsvp, now)
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
