from enum import StrEnum


class ReferralErrorCode(StrEnum):
    """Codes of referral errors; the refusal reasons of a binding are among them."""

    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    # refusals of a binding (also recorded as the attempt's refusal)
    SELF_REFERRAL = "SELF_REFERRAL"
    SAME_IDENTITY = "SAME_IDENTITY"
    ALREADY_CUSTOMER = "ALREADY_CUSTOMER"
    REFERRER_PAUSED = "REFERRER_PAUSED"
    REFERRER_BANNED = "REFERRER_BANNED"
    UNKNOWN_CODE = "UNKNOWN_CODE"
    CODE_DISABLED = "CODE_DISABLED"
    ALREADY_BOUND = "ALREADY_BOUND"
    # staff operations
    CODE_TAKEN = "CODE_TAKEN"
    NOT_PENDING = "NOT_PENDING"
    REVIEW_PENDING = "REVIEW_PENDING"
