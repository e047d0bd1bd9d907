from enum import StrEnum

from koc.errors import ErrorCode


class BadgeErrorCode(ErrorCode):
    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    NOT_FOUND = "NOT_FOUND", "No badge has this ID."
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND", "No member has this ID."
    DUPLICATE = (
        "DUPLICATE",
        "A badge with this code exists, or the family already has a badge of this level.",
    )
    INACTIVE = "INACTIVE", "The badge is retired and can no longer be awarded."
    ALREADY_HELD = "ALREADY_HELD", "The member already holds this badge."
    NOT_HELD = "NOT_HELD", "The member does not hold this badge."


class BadgeVerifyResult(StrEnum):
    """What a check-in app learns from a badge QR."""

    VALID = "VALID"
    INVALID = "INVALID"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
