"""One way to write a mutation: the permission declared once, the typed viewer handed in, and
every ``DomainError`` turned into the payload's ``errors`` in this one place.

As Saleor's ``BaseMutation`` does it, a mutation's body is only the work::

    @mutation(allow=IsOperator, description="Define a badge.")
    async def badge_create(self, viewer: StaffViewer, input: BadgeCreateInput) -> BadgePayload:
        badge, awarded = await services.create_badge(input.to_data(), actor=viewer)
        return BadgePayload(badge=Badge.from_model(badge), awarded_count=awarded)

The payload subclasses ``Payload[XxxError]``, so the error type (and with it the feature's code
enum) is read from the return annotation. A resolver that names a ``viewer`` parameter gets the
caller the permission admitted; ``viewer`` is not a GraphQL argument. Permission failures and
bugs stay top-level GraphQL errors; only domain errors become data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar, get_args, get_origin

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission
from strawberry.types.base import StrawberryList
from strawberry.types.field import StrawberryField

from koc.errors import DomainError, DomainErrors
from koc.graphql.boundary import ArgumentChecks
from koc.graphql.context import Info
from koc.graphql.errors import errors_of

E = TypeVar("E")

VIEWER = "viewer"


@strawberry.type(description="The result of a mutation: its data, or why it was refused.")
class Payload(Generic[E]):
    errors: list[E] = strawberry.field(
        default_factory=list,
        description="Why the mutation was refused; empty when it succeeded. A refused mutation "
        "writes nothing.",
    )


class Public(BasePermission):
    """Anyone may call it, signed in or not (logins, token refresh)."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return True


def _error_type(field: StrawberryField) -> Any:
    """The ``XxxError`` of the ``Payload[XxxError]`` the field returns (or of the ``errors``
    list of a payload that declares it itself, as mutations written before this module do)."""
    for cls in getattr(field.type, "__mro__", ()):
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is Payload:
                return get_args(base)[0]
    definition = getattr(field.type, "__strawberry_definition__", None)
    for payload_field in definition.fields if definition else ():
        if payload_field.python_name == "errors" and isinstance(payload_field.type, StrawberryList):
            return payload_field.type.of_type
    raise TypeError(f"{field.python_name}: a mutation returns a Payload[XxxError] subclass")


class DomainErrorsAsPayload(FieldExtension):
    """Checks the argument values (``koc.graphql.boundary``), hands the resolver its viewer and
    turns a raised ``DomainError`` into the payload."""

    def apply(self, field: StrawberryField) -> None:
        self.payload = field.type
        self.error_type = _error_type(field)
        names = [a.python_name for a in field.arguments]
        self.wants_viewer = VIEWER in names
        field.arguments = [a for a in field.arguments if a.python_name != VIEWER]
        self.arguments = ArgumentChecks(field)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        raise TypeError("koc mutations are async")  # pragma: no cover - a wiring mistake

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        try:
            self.arguments.raise_problems(kwargs)
            if self.wants_viewer:
                kwargs[VIEWER] = info.context.viewer
            return await next_(source, info, **kwargs)
        except (DomainError, DomainErrors) as exc:
            return self.payload(errors=errors_of(exc, self.error_type))


def mutation(
    *, allow: type[BasePermission], description: str
) -> Callable[[Callable[..., Awaitable[Any]]], Any]:
    """Declare a mutation: who may call it (a class of ``koc.graphql.permissions``, or
    ``Public``) and what it does. See the module docstring."""

    def decorate(resolver: Callable[..., Awaitable[Any]]) -> Any:
        return strawberry.mutation(
            resolver=resolver,
            description=description,
            permission_classes=[] if allow is Public else [allow],
            extensions=[DomainErrorsAsPayload()],
        )

    return decorate
