"""Redemption codes: the short-lived signed code a member shows as a QR at a store, what a
scan tells the store, and redeeming it (each code at most once). Changes when the code format
or the counter flow changes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from koc.auth.viewer import StaffViewer
from koc.badges import signing
from koc.errors import DomainError
from koc.members.models import Member
from koc.privileges.catalogue import get_privilege
from koc.privileges.errors import PrivilegeErrorCode as Code
from koc.privileges.errors import fail
from koc.privileges.models import (
    SEATED,
    Channel,
    Privilege,
    PrivilegeGrant,
    PrivilegeRedemption,
    PrivilegeRsvp,
    RedeemedVia,
    RsvpStatus,
)
from koc.privileges.redemption import Redeemed, redeem
from koc.privileges.usable import check_available, check_usable

CODE_PURPOSE = "privilege-redemption"


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
            raise fail(
                "This code has expired; ask for a new one.", "code", Code.CODE_EXPIRED
            ) from exc
        raise fail("This is not a valid redemption code.", "code", Code.CODE_INVALID) from exc
    return CodeTarget(member_id, privilege_id, signing.normalize(code), expires_at)


async def issue_code(
    secret: str, ttl_seconds: int, member_id: int, privilege_id: int
) -> tuple[str, datetime]:
    """A short-lived code for the member to show at a store; refused up front (with the same
    typed errors as a redemption) when the privilege could not be used there now."""
    now = datetime.now(UTC)
    privilege = await get_privilege(privilege_id)
    grant = await PrivilegeGrant.get_or_none(member_id=member_id, privilege_id=privilege_id)
    grant = await check_usable(privilege, grant, now, Channel.STORE)
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
            raise fail("The member has no reserved seat.", None, Code.NOT_RESERVED)
        if rsvp.status == RsvpStatus.CHECKED_IN:
            raise fail("The member already checked in.", None, Code.ALREADY_REDEEMED)
    await check_available(privilege, grant, now, seat_taken=seated)


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
        check.error = fail("This code names nothing known.", "code", Code.CODE_INVALID)
        return check
    if redeemed := await PrivilegeRedemption.get_or_none(
        member_id=target.member_id, idempotency_key=code_key(target)
    ):
        check.error = fail(
            f"This code was already redeemed at {redeemed.created_at.isoformat()}.",
            "code",
            Code.ALREADY_REDEEMED,
        )
        return check
    try:
        now = datetime.now(UTC)
        usable = await check_usable(privilege, grant, now, Channel.STORE)
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
