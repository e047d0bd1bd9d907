from koc.errors import ErrorCode


class IngestionErrorCode(ErrorCode):
    INVALID = (
        "INVALID",
        "A field's value is not acceptable (an externalId, amount, currency, time or payload); "
        "the message says why.",
    )
    MEMBER_NOT_FOUND = (
        "MEMBER_NOT_FOUND",
        "No member matches the reference (a memberId or openid koc does not know; an unknown "
        "unionid or phone creates a prospect instead).",
    )
    MEMBER_REFERENCE_INVALID = (
        "MEMBER_REFERENCE_INVALID",
        "The member is not named by exactly one of memberId, unionid, openid or phone, or the "
        "identifier is malformed.",
    )
    IDEMPOTENCY_CONFLICT = (
        "IDEMPOTENCY_CONFLICT",
        "This externalId was already reported with different content; the first report stands.",
    )
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND", "This partner reported no order with this externalId."
    REFUND_EXCEEDS_ORDER = (
        "REFUND_EXCEEDS_ORDER",
        "The refund is more than what remains of the order (the message gives what remains).",
    )
