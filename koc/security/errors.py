from enum import StrEnum


class TrustedDocumentErrorCode(StrEnum):
    """Why a document could not be registered."""

    INVALID = "INVALID"
    HASH_MISMATCH = "HASH_MISMATCH"
    INVALID_DOCUMENT = "INVALID_DOCUMENT"
    TOO_MANY = "TOO_MANY"


class DocumentRefused(Exception):
    """A request's document (or document id) was refused; ``code`` goes to ``extensions``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
