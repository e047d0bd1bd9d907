from enum import StrEnum


class BadgeErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    INACTIVE = "INACTIVE"
    ALREADY_HELD = "ALREADY_HELD"
    NOT_HELD = "NOT_HELD"


class BadgeVerifyResult(StrEnum):
    """What a check-in app learns from a badge QR."""

    VALID = "VALID"
    INVALID = "INVALID"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
