"""Staff accounts and logins, refresh-token rotation, partner API tokens."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.errors import AuthErrorCode
from koc.auth.models import PartnerScope, PartnerToken, RefreshToken, StaffRole, StaffUser
from koc.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password
from koc.auth.tokens import (
    AccessToken,
    hash_opaque_token,
    issue_member_access_token,
    issue_staff_access_token,
    new_opaque_token,
)
from koc.auth.viewer import MemberViewer, PartnerViewer, StaffViewer
from koc.db import query_rows
from koc.errors import DomainError
from koc.rows import RowsByKey
from koc.settings import Settings

PARTNER_TOKEN_PREFIX = "koc_pt_"
REFRESH_TOKEN_PREFIX = "koc_rt_"
USERNAME_RE = re.compile(r"^[a-zA-Z0-9_.-]{3,64}$")
# After this many failures in a row, each further failure locks the account for twice as long.
LOCKOUT_THRESHOLD = 5
LOCKOUT_BASE = timedelta(seconds=30)
LOCKOUT_MAX = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


# --- staff ---------------------------------------------------------------------------------


async def create_staff(
    username: str, password: str, role: StaffRole, *, actor: StaffViewer | None = None
) -> StaffUser:
    """Create a staff account. The first admin comes from the CLI (``actor`` None)."""
    if not USERNAME_RE.match(username):
        raise DomainError(
            AuthErrorCode.INVALID,
            "Username must be 3-64 letters, digits, '_', '.' or '-'.",
            "username",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            AuthErrorCode.INVALID,
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters.",
            "password",
        )
    async with in_transaction():
        if await StaffUser.exists(username=username):
            raise DomainError(AuthErrorCode.DUPLICATE, "This username is taken.", "username")
        staff = await StaffUser.create(
            username=username, password_hash=await hash_password(password), role=role
        )
        await audit.record(
            actor,
            "staff.create",
            "StaffUser",
            staff.id,
            after={"username": username, "role": role.value},
            actor_label="cli",
        )
    return staff


def _lockout_for(failures: int) -> timedelta | None:
    if failures < LOCKOUT_THRESHOLD:
        return None
    return min(LOCKOUT_BASE * 2 ** (failures - LOCKOUT_THRESHOLD), LOCKOUT_MAX)


async def staff_login(
    settings: Settings, username: str, password: str
) -> tuple[StaffUser, TokenPair]:
    """Check the password; repeated failures lock the account for growing periods.

    The answer never says whether the username exists: an unknown username, a wrong password,
    a disabled account and a locked account (even with the right password) all get the same
    INVALID_CREDENTIALS error after the same password-hashing work. Saying "locked" would tell
    an attacker which usernames are real.
    """
    invalid = DomainError(AuthErrorCode.INVALID_CREDENTIALS, "Invalid username or password.")
    # No account has a username of another shape (nor a longer one than its column holds).
    staff = await StaffUser.get_or_none(username=username) if USERNAME_RE.match(username) else None
    now = _now()
    if staff is not None and staff.locked_until is not None and staff.locked_until > now:
        await verify_password(None, password)  # same work as a real attempt
        raise invalid
    ok = await verify_password(staff.password_hash if staff else None, password)
    if staff is None or not ok or not staff.is_active:
        if staff is not None:
            await _count_failure(staff.id, now)
        raise invalid
    updates: dict[str, object] = {
        "failed_login_count": 0,
        "locked_until": None,
        "last_login_at": now,
    }
    if needs_rehash(staff.password_hash):
        updates["password_hash"] = await hash_password(password)
    # Only while still unlocked: failures counted while this password was being checked may
    # have locked the account since it was read.
    unlocked = Q(locked_until=None) | Q(locked_until__lte=now)
    if not await StaffUser.filter(unlocked, id=staff.id).update(**updates):
        raise invalid
    return staff, await issue_staff_tokens(settings, staff)


async def _count_failure(staff_id: int, now: datetime) -> None:
    """One more failed login, counted atomically (concurrent failures each count), and the
    lock it earns."""
    async with in_transaction():
        rows = await query_rows(
            "UPDATE staff_user SET failed_login_count = failed_login_count + 1 WHERE id = ? "
            "RETURNING failed_login_count",
            [staff_id],
        )
        lock = _lockout_for(rows[0]["failed_login_count"])
        if lock:
            await StaffUser.filter(id=staff_id).update(locked_until=now + lock)


async def issue_staff_tokens(settings: Settings, staff: StaffUser) -> TokenPair:
    """A new session for a staff account: an access JWT and the first refresh token of a
    family."""
    family = uuid.uuid4()
    refresh = await _new_refresh_token(settings, staff_id=staff.id, family_id=family)
    access = issue_staff_access_token(settings, staff.id, staff.username, staff.role, family)
    return TokenPair(access, refresh, settings.staff_access_ttl_seconds)


async def active_staff(staff_id: int) -> StaffUser | None:
    return await StaffUser.get_or_none(id=staff_id, is_active=True)


# --- refresh tokens ------------------------------------------------------------------------


async def _new_refresh_token(
    settings: Settings,
    *,
    family_id: uuid.UUID,
    member_id: int | None = None,
    staff_id: int | None = None,
) -> str:
    token = new_opaque_token(REFRESH_TOKEN_PREFIX)
    await RefreshToken.create(
        family_id=family_id,
        token_hash=hash_opaque_token(token),
        member_id=member_id,
        staff_id=staff_id,
        expires_at=_now() + timedelta(seconds=settings.refresh_ttl_seconds),
    )
    return token


async def issue_member_tokens(settings: Settings, member_id: int) -> TokenPair:
    """A new session for a member: an access JWT and the first refresh token of a family."""
    family = uuid.uuid4()
    refresh = await _new_refresh_token(settings, member_id=member_id, family_id=family)
    access = issue_member_access_token(settings, member_id, family)
    return TokenPair(access, refresh, settings.member_access_ttl_seconds)


# The subject of an access token, if it still exists and its login was not ended (a reused
# refresh token revokes the family): one indexed statement per request.
_SESSION_ENDED = (
    "EXISTS (SELECT 1 FROM refresh_token r WHERE r.family_id = ? AND r.revoked_at IS NOT NULL)"
)
_MEMBER_SESSION = f"SELECT m.id FROM member m WHERE m.id = ? AND NOT {_SESSION_ENDED}"
_STAFF_SESSION = (
    "SELECT s.id, s.username, s.role FROM staff_user s "
    f"WHERE s.id = ? AND s.is_active AND NOT {_SESSION_ENDED}"
)


async def session_viewer(access: AccessToken) -> MemberViewer | StaffViewer | None:
    """The caller an access token names, or None when its account no longer exists (or a staff
    account was disabled) or its login was ended. A staff member's role is read afresh."""
    viewer = access.viewer
    if isinstance(viewer, MemberViewer):
        found = await query_rows(_MEMBER_SESSION, [viewer.member_id, str(access.session)])
        return viewer if found else None
    found = await query_rows(_STAFF_SESSION, [viewer.staff_id, str(access.session)])
    if not found:
        return None
    row = found[0]
    return StaffViewer(
        staff_id=row["id"],
        username=row["username"],
        role=StaffRole(row["role"]),
        session=access.session,
    )


async def rotate_refresh_token(settings: Settings, token: str) -> TokenPair:
    """Exchange a refresh token for a new pair.

    A token is good once. Presenting an already-rotated token means it was copied, so the
    whole family (every session descended from the same login) is revoked.
    """
    now = _now()
    async with in_transaction():
        row = await RefreshToken.get_or_none(
            token_hash=hash_opaque_token(token)
        ).select_for_update()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise DomainError(
                AuthErrorCode.INVALID_REFRESH_TOKEN,
                "Refresh token is invalid or expired.",
                "refreshToken",
            )
        if row.rotated_at is not None:
            await RefreshToken.filter(family_id=row.family_id, revoked_at=None).update(
                revoked_at=now
            )
            reuse = True
        else:
            # Conditional update: of two concurrent rotations of the same token only one wins.
            won = await RefreshToken.filter(id=row.id, rotated_at=None).update(rotated_at=now)
            reuse = won == 0
            if reuse:
                await RefreshToken.filter(family_id=row.family_id, revoked_at=None).update(
                    revoked_at=now
                )
        if not reuse:
            if row.staff_id is not None:
                staff = await active_staff(row.staff_id)
                if staff is None:
                    raise DomainError(
                        AuthErrorCode.INVALID_REFRESH_TOKEN, "Account is disabled.", "refreshToken"
                    )
                access = issue_staff_access_token(
                    settings, staff.id, staff.username, staff.role, row.family_id
                )
                ttl = settings.staff_access_ttl_seconds
            else:
                assert row.member_id is not None
                access = issue_member_access_token(settings, row.member_id, row.family_id)
                ttl = settings.member_access_ttl_seconds
            refresh = await _new_refresh_token(
                settings, family_id=row.family_id, member_id=row.member_id, staff_id=row.staff_id
            )
            return TokenPair(access, refresh, ttl)
    raise DomainError(
        AuthErrorCode.REFRESH_TOKEN_REUSED,
        "This refresh token was already used; every session of this login is now signed out.",
        "refreshToken",
    )


# --- partner tokens ------------------------------------------------------------------------


async def create_partner_token(
    name: str,
    scopes: list[PartnerScope],
    expires_at: datetime | None,
    *,
    actor: StaffViewer | None,
) -> tuple[PartnerToken, str]:
    """Create a partner token; the secret is returned once and only its hash is kept."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise DomainError(AuthErrorCode.INVALID, "Name must be 1-100 characters.", "name")
    if not scopes:
        raise DomainError(AuthErrorCode.INVALID, "Give at least one scope.", "scopes")
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise DomainError(
                AuthErrorCode.INVALID, "expiresAt must carry a time zone.", "expiresAt"
            )
        if expires_at <= _now():
            raise DomainError(
                AuthErrorCode.INVALID, "expiresAt must be in the future.", "expiresAt"
            )
    secret = new_opaque_token(PARTNER_TOKEN_PREFIX)
    values = sorted({s.value for s in scopes})
    async with in_transaction():
        token = await PartnerToken.create(
            name=name,
            prefix=secret[: len(PARTNER_TOKEN_PREFIX) + 6],
            token_hash=hash_opaque_token(secret),
            scopes=values,
            expires_at=expires_at,
            created_by_id=actor.staff_id if actor else None,
        )
        await audit.record(
            actor,
            "partner_token.create",
            "PartnerToken",
            token.id,
            after={
                "name": name,
                "scopes": values,
                "expiresAt": expires_at.isoformat() if expires_at else None,
            },
            actor_label="cli",
        )
    return token, secret


async def revoke_partner_token(token_id: int, *, actor: StaffViewer | None) -> PartnerToken:
    async with in_transaction():
        token = await PartnerToken.get_or_none(id=token_id).select_for_update()
        if token is None:
            raise DomainError(AuthErrorCode.NOT_FOUND, "No such partner token.", "id")
        if token.revoked_at is None:
            token.revoked_at = _now()
            await token.save(update_fields=["revoked_at"])
            await audit.record(
                actor,
                "partner_token.revoke",
                "PartnerToken",
                token.id,
                before={"revoked": False},
                after={"revoked": True},
                actor_label="cli",
            )
    return token


# Writing last_used_at on every call would turn each read into a write; once a minute is enough
# to answer "is this token still in use?".
LAST_USED_RESOLUTION = timedelta(minutes=1)


class _Token(NamedTuple):
    id: int
    name: str
    scopes: list[str]
    revoked_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None


_TOKENS = RowsByKey(PartnerToken, _Token, "token_hash")


async def authenticate_partner(secret: str) -> PartnerViewer | None:
    """The partner a bearer secret belongs to, or None when unknown, revoked or expired."""
    found = await _TOKENS.fetch([hash_opaque_token(secret)])  # every partner request: fixed SQL
    token = found[0] if found else None
    now = _now()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        await PartnerToken.filter(id=token.id).update(last_used_at=now)
    scopes = frozenset(
        PartnerScope(s) for s in token.scopes if s in PartnerScope._value2member_map_
    )
    return PartnerViewer(token_id=token.id, name=token.name, scopes=scopes)
