"""JWTs for members and staff, following RFC 8725 (JSON Web Token Best Current Practices).

One fixed algorithm, required registered claims, and a distinct audience per caller kind so a
member token can never be replayed as a staff token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from koc.auth.models import StaffRole
from koc.auth.viewer import MemberViewer, StaffViewer
from koc.settings import Settings

ALGORITHM = "HS256"
MEMBER_AUDIENCE = "koc:member"
STAFF_AUDIENCE = "koc:staff"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


class InvalidToken(Exception):
    """The bearer token is missing a claim, forged, expired or meant for someone else."""


def _encode(settings: Settings, audience: str, subject: str, ttl: int, **extra: Any) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=ttl),
        "jti": secrets.token_hex(8),
        **extra,
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)


def issue_member_access_token(settings: Settings, member_id: int) -> str:
    return _encode(settings, MEMBER_AUDIENCE, str(member_id), settings.member_access_ttl_seconds)


def issue_staff_access_token(
    settings: Settings, staff_id: int, username: str, role: StaffRole
) -> str:
    return _encode(
        settings,
        STAFF_AUDIENCE,
        str(staff_id),
        settings.staff_access_ttl_seconds,
        username=username,
        role=role.value,
    )


def decode_access_token(settings: Settings, token: str) -> MemberViewer | StaffViewer:
    """Verify signature, algorithm, issuer, audience and lifetime; return who it names."""
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
        if claims["aud"] == MEMBER_AUDIENCE:
            return MemberViewer(member_id=subject)
        return StaffViewer(
            staff_id=subject, username=str(claims["username"]), role=StaffRole(claims["role"])
        )
    except (jwt.PyJWTError, KeyError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc


def new_opaque_token(prefix: str) -> str:
    """A random bearer secret: ``prefix`` + 256 bits, URL-safe."""
    return prefix + secrets.token_urlsafe(32)


def hash_opaque_token(token: str) -> str:
    # Opaque tokens carry 256 random bits, so a plain SHA-256 is enough: there is nothing to
    # brute-force, unlike a password.
    return hashlib.sha256(token.encode()).hexdigest()
