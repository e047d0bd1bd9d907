"""User errors as payload data, Saleor style: ``errors { field code message }``."""

# No `from __future__ import annotations`: error_type() annotates with a local enum.

from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError

from koc.errors import DomainError, DomainErrors, ErrorCode
from koc.graphql.enums import describe_values


def error_type(name: str, code_enum: type[ErrorCode], description: str) -> Any:
    """Build the ``XxxError`` GraphQL type of one domain, whose code is that domain's enum."""
    gql_enum = strawberry.enum(code_enum, name=f"{name}Code", description=f"Codes of {name}.")
    describe_values(code_enum, {code.name: code.description for code in code_enum})

    @strawberry.type(name=name, description=description)
    class _Error:
        field: str | None = strawberry.field(
            description="The input field at fault (as sent, camelCase), or null for the whole input."
        )
        code: gql_enum = strawberry.field(description="What went wrong, for programs.")  # type: ignore[valid-type]
        message: str = strawberry.field(description="What went wrong, for people.")

    _Error.code_enum = code_enum  # type: ignore[attr-defined]
    return _Error


class UnknownErrorCode(LookupError):
    """A service raised a code the payload's enum does not have: a bug, reported loudly (a
    masked top-level error) rather than passed off as another code."""


def errors_of(exc: DomainError | DomainErrors, cls: Any, at: str | None = None) -> list[Any]:
    """The payload error objects for a raised domain error.

    A service may raise another domain's code (ingestion reports a member error, any input an
    ``INVALID`` ID): it is kept when this domain's enum has a code of the same value. ``at``
    prefixes each error's field, for an error about one item of a list (``orders.3``).
    """
    found = exc.errors if isinstance(exc, DomainErrors) else [exc]
    code_enum: type[Enum] = cls.code_enum
    errors = []
    for e in found:
        value = getattr(e.code, "value", e.code)
        try:
            code = code_enum(value)
        except ValueError:
            raise UnknownErrorCode(
                f"{code_enum.__name__} has no code {value!r} (raised as {e.code!r})"
            ) from exc
        field = ".".join(part for part in (at, e.field) if part) or None
        errors.append(cls(field=field, code=code, message=e.message))
    return errors


def bad_input(exc: DomainError | DomainErrors) -> GraphQLError:
    """A domain error met by a query (which has no payload): a top-level BAD_USER_INPUT error
    (of the first, when there are several)."""
    first = exc.errors[0] if isinstance(exc, DomainErrors) else exc
    return GraphQLError(first.message, extensions={"code": "BAD_USER_INPUT", "field": first.field})
