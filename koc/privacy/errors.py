from koc.errors import ErrorCode


class PrivacyErrorCode(ErrorCode):
    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    NOT_FOUND = "NOT_FOUND", "No member (or policy) has this ID."
    NO_POLICY = "NO_POLICY", "No privacy policy is published yet, so there is nothing to accept."
    POLICY_OUTDATED = (
        "POLICY_OUTDATED",
        "The decision names an older policy version; show the member the current one.",
    )
    VERSION_TAKEN = "VERSION_TAKEN", "A policy with this version was published already."
    ALREADY_REQUESTED = "ALREADY_REQUESTED", "The member's erasure is already pending."
    NOT_REQUESTED = "NOT_REQUESTED", "No erasure is pending, so there is nothing to cancel."
    ALREADY_ERASED = "ALREADY_ERASED", "The member was erased already."
