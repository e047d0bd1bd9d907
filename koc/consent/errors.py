from koc.errors import ErrorCode


class ConsentErrorCode(ErrorCode):
    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    NO_POLICY = "NO_POLICY", "No privacy policy is published yet, so there is nothing to accept."
    POLICY_OUTDATED = (
        "POLICY_OUTDATED",
        "The decision names an older policy version; show the member the current one.",
    )
    VERSION_TAKEN = "VERSION_TAKEN", "A policy with this version was published already."
