"""The life of a staff account after it is created: disable and enable, change its role, reset
its password (ADMIN), change one's own password. Every change is audited.

Ending a login is revoking its refresh-token family: ``services.session_viewer`` refuses an
access token whose family holds a revoked token, so a disabled account (or one whose password
was reset) is signed out at once, not when its access tokens expire.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.errors import AuthErrorCode
from koc.auth.models import RefreshToken, StaffRole, StaffUser
from koc.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from koc.auth.viewer import StaffViewer
from koc.errors import DomainError


def _now() -> datetime:
    return datetime.now(UTC)


async def end_sessions(staff_id: int, *, keep: uuid.UUID | None = None) -> int:
    """Revoke every login of a staff account (but ``keep``); returns the tokens revoked."""
    rows = RefreshToken.filter(staff_id=staff_id, revoked_at=None)
    if keep is not None:
        rows = rows.exclude(family_id=keep)
    return await rows.update(revoked_at=_now())


def _check_password(password: str, field: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            AuthErrorCode.INVALID,
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters.",
            field,
        )


async def _locked(staff_id: int) -> StaffUser:
    staff = await StaffUser.get_or_none(id=staff_id).select_for_update()
    if staff is None:
        raise DomainError(AuthErrorCode.STAFF_NOT_FOUND, "No staff account has this ID.", "id")
    return staff


async def _keep_an_admin(staff: StaffUser, *, active: bool, role: StaffRole) -> None:
    """Refuse the change that would leave no active ADMIN: nobody could manage staff again."""
    if staff.role is not StaffRole.ADMIN or not staff.is_active:
        return
    if active and role is StaffRole.ADMIN:
        return
    others = await StaffUser.filter(role=StaffRole.ADMIN, is_active=True).exclude(id=staff.id)
    if not others:
        raise DomainError(AuthErrorCode.LAST_ADMIN, "This is the last active ADMIN account.", "id")


async def set_active(staff_id: int, active: bool, *, actor: StaffViewer) -> StaffUser:
    """Disable (every login ends at once) or enable a staff account."""
    async with in_transaction():
        staff = await _locked(staff_id)
        if staff.is_active == active:
            return staff
        if not active:
            await _keep_an_admin(staff, active=False, role=staff.role)
        staff.is_active = active
        await staff.save(update_fields=["is_active"])
        ended = 0 if active else await end_sessions(staff.id)
        await audit.record(
            actor,
            "staff.enable" if active else "staff.disable",
            "StaffUser",
            staff.id,
            before={"isActive": not active},
            after={"isActive": active, "sessionsEnded": ended},
        )
    return staff


async def set_role(staff_id: int, role: StaffRole, *, actor: StaffViewer) -> StaffUser:
    """Change an account's role; it applies to the next request (roles are read afresh)."""
    async with in_transaction():
        staff = await _locked(staff_id)
        if staff.role is role:
            return staff
        await _keep_an_admin(staff, active=staff.is_active, role=role)
        before = staff.role
        staff.role = role
        await staff.save(update_fields=["role"])
        await audit.record(
            actor,
            "staff.role_set",
            "StaffUser",
            staff.id,
            before={"role": before.value},
            after={"role": role.value},
        )
    return staff


async def reset_password(staff_id: int, password: str, *, actor: StaffViewer) -> StaffUser:
    """An ADMIN sets a new password (to hand over in person); the account's logins end and a
    login lockout is lifted."""
    _check_password(password, "password")
    password_hash = await hash_password(password)
    async with in_transaction():
        staff = await _locked(staff_id)
        staff.password_hash = password_hash
        staff.failed_login_count = 0
        staff.locked_until = None
        await staff.save(update_fields=["password_hash", "failed_login_count", "locked_until"])
        ended = await end_sessions(staff.id)
        # The audit entry never holds a password or its hash.
        await audit.record(
            actor, "staff.password_reset", "StaffUser", staff.id, after={"sessionsEnded": ended}
        )
    return staff


async def change_own_password(
    viewer: StaffViewer, current: str, new: str, *, session: uuid.UUID | None
) -> StaffUser:
    """The caller's own password, given the current one; their other logins end."""
    staff = await StaffUser.get(id=viewer.staff_id)
    if not await verify_password(staff.password_hash, current):
        raise DomainError(
            AuthErrorCode.INVALID_CREDENTIALS, "The current password is wrong.", "currentPassword"
        )
    _check_password(new, "newPassword")
    if new == current:
        raise DomainError(
            AuthErrorCode.INVALID, "The new password is the current one.", "newPassword"
        )
    password_hash = await hash_password(new)
    async with in_transaction():
        await StaffUser.filter(id=staff.id).update(password_hash=password_hash)
        ended = await end_sessions(staff.id, keep=session)
        await audit.record(
            viewer, "staff.password_change", "StaffUser", staff.id, after={"sessionsEnded": ended}
        )
    return staff
