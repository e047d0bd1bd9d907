from koc.consent.errors import ConsentErrorCode
from koc.errors import ErrorCode


class PrivacyErrorCode(ErrorCode):
    """The codes of PrivacyError: the API's privacy operations share one error type, so the
    consent operations' codes (``koc.consent``) are here too, taken from consent's enum."""

    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    NOT_FOUND = "NOT_FOUND", "No member (or policy) has this ID."
    NO_POLICY = ConsentErrorCode.NO_POLICY.value, ConsentErrorCode.NO_POLICY.description
    POLICY_OUTDATED = (
        ConsentErrorCode.POLICY_OUTDATED.value,
        ConsentErrorCode.POLICY_OUTDATED.description,
    )
    VERSION_TAKEN = ConsentErrorCode.VERSION_TAKEN.value, ConsentErrorCode.VERSION_TAKEN.description
    ALREADY_REQUESTED = "ALREADY_REQUESTED", "The member's erasure is already pending."
    NOT_REQUESTED = "NOT_REQUESTED", "No erasure is pending, so there is nothing to cancel."
    ALREADY_ERASED = "ALREADY_ERASED", "The member was erased already."
