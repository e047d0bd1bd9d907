from koc.errors import DomainError, ErrorCode


class PrivilegeErrorCode(ErrorCode):
    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    NOT_FOUND = (
        "NOT_FOUND",
        "No privilege has this ID, or the audience names a segment, tag, stage, badge, survey "
        "option or advisor that does not exist (``field`` says which).",
    )
    INVALID_RULE = (
        "INVALID_RULE",
        "The audience rule is malformed; ``field`` is the path inside the tree.",
    )
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND", "No member has this ID."
    DUPLICATE = "DUPLICATE", "A privilege with this code exists."
    INACTIVE = "INACTIVE", "The privilege is no longer offered."
    NOT_ELIGIBLE = (
        "NOT_ELIGIBLE",
        "The member holds no grant of the privilege, it was withdrawn, or the member no longer "
        "meets its eligibility.",
    )
    NOT_GRANTED = "NOT_GRANTED", "The member holds no active grant of the privilege."
    NOT_STARTED = "NOT_STARTED", "The privilege cannot be used yet (before its start)."
    EXPIRED = "EXPIRED", "The privilege has ended, or the member's grant has expired."
    OUT_OF_STOCK = "OUT_OF_STOCK", "No stock (or seat) of the privilege is left."
    QUOTA_USED = "QUOTA_USED", "The member used their quota of the privilege for this period."
    ALREADY_REDEEMED = (
        "ALREADY_REDEEMED",
        "The member already used the privilege (or this code), or already checked in.",
    )
    WRONG_CHANNEL = (
        "WRONG_CHANNEL",
        "The privilege is redeemed only through the other channel (online or at a store).",
    )
    CODE_INVALID = (
        "CODE_INVALID",
        "The redemption code is not valid or names no known member or privilege.",
    )
    CODE_EXPIRED = "CODE_EXPIRED", "The redemption code has expired; the member shows a new one."
    NOT_RESERVED = "NOT_RESERVED", "The member has no reserved seat at the event."
    ALREADY_RESERVED = "ALREADY_RESERVED", "The member already has a seat at the event."
    IDEMPOTENCY_CONFLICT = (
        "IDEMPOTENCY_CONFLICT",
        "This idempotencyKey was already used for a different redemption.",
    )


def fail(
    message: str, field_name: str | None, code: PrivilegeErrorCode = PrivilegeErrorCode.INVALID
) -> DomainError:
    """A privileges error to raise: INVALID input unless ``code`` says otherwise."""
    return DomainError(code, message, field_name)
