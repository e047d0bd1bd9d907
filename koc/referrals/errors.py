from koc.errors import ErrorCode


class ReferralErrorCode(ErrorCode):
    """Codes of referral errors; the refusal reasons of a binding are among them."""

    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    NOT_FOUND = "NOT_FOUND", "The member, code, referral or reward named does not exist."
    # refusals of a binding (also recorded as the attempt's refusal)
    SELF_REFERRAL = "SELF_REFERRAL", "The member used their own referral code."
    SAME_IDENTITY = (
        "SAME_IDENTITY",
        "The referrer and the referee share a WeChat identity or a phone number.",
    )
    ALREADY_CUSTOMER = (
        "ALREADY_CUSTOMER",
        "The referee was already a customer; only people who were not can be referred.",
    )
    REFERRER_PAUSED = "REFERRER_PAUSED", "The referrer is paused (e.g. a paused KOC)."
    REFERRER_BANNED = "REFERRER_BANNED", "The referrer is banned from referring anyone."
    UNKNOWN_CODE = "UNKNOWN_CODE", "No referral code matches."
    CODE_DISABLED = "CODE_DISABLED", "The referral code is disabled."
    ALREADY_BOUND = "ALREADY_BOUND", "The referee was already referred by someone else."
    # staff operations
    CODE_TAKEN = "CODE_TAKEN", "Another member has this vanity code."
    NOT_PENDING = "NOT_PENDING", "The referral or reward is not awaiting a decision."
    REVIEW_PENDING = (
        "REVIEW_PENDING",
        "The reward's referral awaits a fraud review: decide it with referralReview first.",
    )
