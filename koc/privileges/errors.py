from enum import StrEnum

from koc.errors import DomainError


class PrivilegeErrorCode(StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    INACTIVE = "INACTIVE"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    NOT_GRANTED = "NOT_GRANTED"
    NOT_STARTED = "NOT_STARTED"
    EXPIRED = "EXPIRED"
    OUT_OF_STOCK = "OUT_OF_STOCK"
    QUOTA_USED = "QUOTA_USED"
    ALREADY_REDEEMED = "ALREADY_REDEEMED"
    WRONG_CHANNEL = "WRONG_CHANNEL"
    CODE_INVALID = "CODE_INVALID"
    CODE_EXPIRED = "CODE_EXPIRED"
    NOT_RESERVED = "NOT_RESERVED"
    ALREADY_RESERVED = "ALREADY_RESERVED"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"


def fail(
    message: str, field_name: str | None, code: PrivilegeErrorCode = PrivilegeErrorCode.INVALID
) -> DomainError:
    """A privileges error to raise: INVALID input unless ``code`` says otherwise."""
    return DomainError(code, message, field_name)
