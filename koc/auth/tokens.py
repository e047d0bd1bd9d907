"""JWTs for members and staff, following RFC 8725 (JSON Web Token Best Current Practices).

One fixed algorithm, required registered claims, and a distinct audience per caller kind so a
member token can never be replayed as a staff token. ``sid`` names the login (the refresh-token
family) a token belongs to, so that ending the login ends its access tokens at once.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from koc.auth.models import StaffRole
from koc.auth.viewer import MemberViewer, StaffViewer
from koc.settings import Settings

ALGORITHM = "HS256"
MEMBER_AUDIENCE = "koc:member"
STAFF_AUDIENCE = "koc:staff"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "sid"]


class InvalidToken(Exception):
    """The bearer token is missing a claim, forged, expired or meant for someone else."""


@dataclass(frozen=True)
class AccessToken:
    """What a valid access token says: who calls, and in which login."""

    viewer: MemberViewer | StaffViewer
    session: uuid.UUID


def _encode(
    settings: Settings, audience: str, subject: str, session: uuid.UUID, ttl: int, **extra: Any
) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": audience,
        "sub": subject,
        "sid": str(session),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=ttl),
        "jti": secrets.token_hex(8),
        **extra,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def issue_member_access_token(settings: Settings, member_id: int, session: uuid.UUID) -> str:
    return _encode(
        settings, MEMBER_AUDIENCE, str(member_id), session, settings.member_access_ttl_seconds
    )


def issue_staff_access_token(
    settings: Settings, staff_id: int, username: str, role: StaffRole, session: uuid.UUID
) -> str:
    return _encode(
        settings,
        STAFF_AUDIENCE,
        str(staff_id),
        session,
        settings.staff_access_ttl_seconds,
        username=username,
        role=role.value,
    )


def decode_access_token(settings: Settings, token: str) -> AccessToken:
    """Verify signature, algorithm, issuer, audience and lifetime; return who it names and
    in which login. (Whether that login and account still exist is for the database to say:
    ``koc.auth.services.session_viewer``.)"""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            audience=[MEMBER_AUDIENCE, STAFF_AUDIENCE],
            issuer=settings.jwt_issuer,
            leeway=settings.jwt_leeway_seconds,
            options={"require": REQUIRED_CLAIMS},
        )
        subject = int(claims["sub"])
        session = uuid.UUID(str(claims["sid"]))
        if claims["aud"] == MEMBER_AUDIENCE:
            return AccessToken(MemberViewer(member_id=subject), session)
        viewer = StaffViewer(
            staff_id=subject, username=str(claims["username"]), role=StaffRole(claims["role"])
        )
        return AccessToken(viewer, session)
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc


def new_opaque_token(prefix: str) -> str:
    """A random bearer secret: ``prefix`` + 256 bits, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    # Opaque tokens carry 256 random bits, so a plain SHA-256 is enough: there is nothing to
    # brute-force, unlike a password.
    return hashlib.sha256(token.encode()).hexdigest()
