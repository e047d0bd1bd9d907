"""User errors as payload data, Saleor style: ``errors { field code message }``."""

# No `from __future__ import annotations`: error_type() annotates with a local enum.

from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError

from koc.errors import DomainError, DomainErrors


def error_type(name: str, code_enum: type[Enum], description: str) -> Any:
    """Build the ``XxxError`` GraphQL type of one domain, whose code is that domain's enum."""
    gql_enum = strawberry.enum(code_enum, name=f"{name}Code", description=f"Codes of {name}.")

    @strawberry.type(name=name, description=description)
    class _Error:
        field: str | None = strawberry.field(
            description="The input field at fault (as sent, camelCase), or null for the whole input."
        )
        code: gql_enum = strawberry.field(description="What went wrong, for programs.")  # type: ignore[valid-type]
        message: str = strawberry.field(description="What went wrong, for people.")

    _Error.code_enum = code_enum  # type: ignore[attr-defined]
    return _Error


def errors_of(exc: DomainError | DomainErrors, cls: Any) -> list[Any]:
    """The payload error objects for a raised domain error."""
    found = exc.errors if isinstance(exc, DomainErrors) else [exc]
    code_enum = cls.code_enum
    # A service may raise another domain's code (ingestion reports a member error): keep it
    # when this domain has the same code, otherwise report it as INVALID with its message.
    return [
        cls(
            field=e.field,
            code=code_enum._value2member_map_.get(
                getattr(e.code, "value", e.code), code_enum["INVALID"]
            ),
            message=e.message,
        )
        for e in found
    ]


def bad_input(exc: DomainError) -> GraphQLError:
    """A domain error met by a query (which has no payload): a top-level BAD_USER_INPUT error."""
    return GraphQLError(exc.message, extensions={"code": "BAD_USER_INPUT", "field": exc.field})
