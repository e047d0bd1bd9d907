"""Compact signed tokens for QR codes, checked without a database.

A token is ``version | expiry | unsigned ints`` followed by a truncated HMAC-SHA256, in
unpadded base32 (uppercase letters and digits, which QR codes encode in their compact
alphanumeric mode). The HMAC key is derived from ``KOC_JWT_SECRET`` with a purpose label, so a
badge token can never pass as a redemption code and neither can pass as a JWT.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from datetime import UTC, datetime
from enum import StrEnum

VERSION = 1
MAC_BYTES = 10  # 80 bits: forging one takes ~2^80 tries against a server that rate-limits
MAX_VALUE = 2**32 - 1


class TokenProblem(StrEnum):
    INVALID = "INVALID"
    EXPIRED = "EXPIRED"


class TokenError(Exception):
    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def purpose_key(secret: str, purpose: str) -> bytes:
    """A key for one purpose, derived from the service secret."""
    return hmac.new(secret.encode(), b"koc-signed-token/" + purpose.encode(), "sha256").digest()


def _mac(secret: str, purpose: str, body: bytes) -> bytes:
    return hmac.new(purpose_key(secret, purpose), body, hashlib.sha256).digest()[:MAC_BYTES]


def sign(secret: str, purpose: str, values: tuple[int, ...], expires_at: datetime) -> str:
    """A token carrying ``values`` (each 0..2^32-1) until ``expires_at``."""
    if any(not 0 <= v <= MAX_VALUE for v in values):
        raise ValueError("token values must fit in 32 bits")
    body = struct.pack(f">BI{len(values)}I", VERSION, int(expires_at.timestamp()), *values)
    return base64.b32encode(body + _mac(secret, purpose, body)).decode().rstrip("=")


def normalize(token: str) -> str:
    """Scanners and people add spaces, dashes and lower case; none of them change a token."""
    return token.strip().upper().replace(" ", "").replace("-", "")


def verify(
    secret: str, purpose: str, token: str, count: int, now: datetime | None = None
) -> tuple[tuple[int, ...], datetime]:
    """The values and expiry of a genuine, unexpired token; TokenError otherwise.

    A token whose signature does not match is INVALID even when its expiry has passed, so an
    expired answer always means the token was genuine.
    """
    text = normalize(token)
    if not text or len(text) > 200:
        raise TokenError(TokenProblem.INVALID)
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError) as exc:
        raise TokenError(TokenProblem.INVALID) from exc
    body, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
    if len(body) != 5 + 4 * count or body[0] != VERSION:
        raise TokenError(TokenProblem.INVALID)
    if not hmac.compare_digest(mac, _mac(secret, purpose, body)):
        raise TokenError(TokenProblem.INVALID)
    expiry, *values = struct.unpack(f">I{count}I", body[1:])
    expires_at = datetime.fromtimestamp(expiry, UTC)
    if (now or datetime.now(UTC)) >= expires_at:
        raise TokenError(TokenProblem.EXPIRED)
    return tuple(values), expires_at
