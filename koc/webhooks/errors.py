from koc.errors import ErrorCode


class WebhookErrorCode(ErrorCode):
    """The codes of WebhookError (webhook subscriptions, deliveries and the events feed)."""

    INVALID = "INVALID", "A field's value is not acceptable; the message says why."
    UNKNOWN_EVENT_TYPE = "UNKNOWN_EVENT_TYPE", "No public event has this type."
    NOT_FOUND = "NOT_FOUND", "No subscription or delivery has this ID (or it is not yours)."
    UNSAFE_URL = (
        "UNSAFE_URL",
        "The URL is refused: not HTTPS in production, or its host resolves to a private, "
        "loopback or link-local address.",
    )
