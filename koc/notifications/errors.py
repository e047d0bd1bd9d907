from koc.errors import ErrorCode


class NotificationErrorCode(ErrorCode):
    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    NOT_FOUND = "NOT_FOUND", "No notification or template mapping has this ID (for you)."
    UNKNOWN_TEMPLATE = (
        "UNKNOWN_TEMPLATE",
        "No notification kind is mapped to this template id, so there is nothing to grant.",
    )
    UNKNOWN_KEY = (
        "UNKNOWN_KEY",
        "A template key is not of a type WeChat documents (thing1, time2, number3, ...).",
    )
    UNKNOWN_FIELD = (
        "UNKNOWN_FIELD",
        "A value names a field the notification kind does not carry; see availableFields.",
    )
    VALUE_RULE = (
        "VALUE_RULE",
        "A value breaks WeChat's rule for its key's type (e.g. a number key filled with text).",
    )
