"""The one exception services raise for errors a caller can fix."""

from __future__ import annotations

from enum import Enum, StrEnum


class ErrorCode(StrEnum):
    """A feature's error codes, each with what it tells the caller, which becomes the code's
    GraphQL description: ``NOT_FOUND = "NOT_FOUND", "No badge has this ID."``."""

    description: str

    def __new__(cls, value: str, description: str) -> ErrorCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member


class DomainError(Exception):
    """A user error: becomes an entry of a mutation payload's ``errors`` list.

    ``code`` is a member of the feature's error-code enum, ``field`` names the input field
    at fault (camelCase, as the caller sent it) or is None for the operation as a whole.
    """

    def __init__(self, code: Enum, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class DomainErrors(Exception):
    """Several user errors found at once (e.g. every invalid field of one input)."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors


class PermissionDenied(Exception):
    """The caller may not do this; becomes a top-level GraphQL error, never payload data."""

    def __init__(self, message: str = "You do not have permission to perform this action.") -> None:
        super().__init__(message)
