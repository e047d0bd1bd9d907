from koc.errors import ErrorCode


class TrustedDocumentErrorCode(ErrorCode):
    """Why a document could not be registered."""

    INVALID = (
        "INVALID",
        "The list (or the CLI's manifest) is empty or malformed, or a sha256 is not 64 lowercase "
        "hexadecimal digits.",
    )
    HASH_MISMATCH = "HASH_MISMATCH", "The sha256 is not the SHA-256 of its document's text."
    INVALID_DOCUMENT = (
        "INVALID_DOCUMENT",
        "The document does not parse or is not valid against the current schema.",
    )
    TOO_MANY = (
        "TOO_MANY",
        "More documents than one call may register (the message gives the limit).",
    )


class DocumentRefused(Exception):
    """A request's document (or document id) was refused; ``code`` goes to ``extensions``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
