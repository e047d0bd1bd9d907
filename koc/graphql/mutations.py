"""One way to write a mutation (and a root query): the permission declared once, the typed
viewer handed in, and every ``DomainError`` turned into the payload's ``errors`` (a query's
top-level BAD_USER_INPUT error) in this one place.

As Saleor's ``BaseMutation`` does it, a mutation's body is only the work::

    @mutation(allow=IsOperator, description="Define a badge.")
    async def badge_create(self, viewer: StaffViewer, input: BadgeCreateInput) -> BadgePayload:
        badge = await services.define_badge(input.to_data(), actor=viewer)
        return BadgePayload(badge=Badge.from_model(badge))

The payload subclasses ``Payload[XxxError]``, so the error type (and with it the feature's code
enum) is read from the return annotation. A resolver that names a ``viewer`` parameter gets the
caller the permission admitted (typed as a union, ``MemberViewer | StaffViewer``, when it admits
several kinds); ``viewer`` is not a GraphQL argument. Permission failures and bugs stay
top-level GraphQL errors; only domain errors become data, and a code the payload's enum lacks
is a bug (``UnknownErrorCode``), not data.

A root query is written the same way with ``@query(allow=..., description=...)``; it has no
payload, so a ``DomainError`` (a malformed ID, a bad range) becomes a top-level error with
``extensions.code`` BAD_USER_INPUT and the field at fault.

An input-object argument without a description of its own (the usual ``input``) is described
by its input type's description, so every argument of the schema has one.

Before the resolver runs, the argument values pass the boundary checks of
``koc.graphql.boundary`` (text length, time range, JSON depth, ID shape): a value refused there
is a payload error (a query's BAD_USER_INPUT error) naming the field, like any domain error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar, get_args, get_origin

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission
from strawberry.types.base import StrawberryOptional, get_object_definition
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

from koc.db import long_reads
from koc.errors import DomainError, DomainErrors
from koc.graphql.boundary import ArgumentChecks
from koc.graphql.context import Info
from koc.graphql.errors import bad_input, errors_of

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
    """Anyone may call it, signed in or not (logins, token refresh, ``me``)."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return True


def _error_type(field: StrawberryField) -> Any:
    """The ``XxxError`` of the ``Payload[XxxError]`` the field returns."""
    for cls in getattr(field.type, "__mro__", ()):
        for base in getattr(cls, "__orig_bases__", ()):
            if get_origin(base) is Payload:
                return get_args(base)[0]
    raise TypeError(f"{field.python_name}: a mutation returns a Payload[XxxError] subclass")


def _input_description(type_: Any) -> str | None:
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    definition = get_object_definition(type_)
    return definition.description if definition is not None and definition.is_input else None


class _Operation(FieldExtension):
    """What mutations and queries share: input arguments described, their values checked at the
    boundary, the viewer handed in."""

    def __init__(self, *, wants_viewer: bool, long_read: bool = False) -> None:
        self.wants_viewer = wants_viewer
        self.long_read = long_read

    def apply(self, field: StrawberryField) -> None:
        for argument in field.arguments:
            if argument.description is None:
                argument.description = _input_description(argument.type)
        self.arguments = ArgumentChecks(field)

    def _checked(self, info: Info, kwargs: dict[str, Any]) -> dict[str, Any]:
        """``kwargs`` with the viewer, once their values passed the boundary checks (which
        raise ``DomainErrors`` naming each value refused)."""
        self.arguments.raise_problems(kwargs)
        if self.wants_viewer:
            kwargs[VIEWER] = info.context.viewer
        return kwargs


class DomainErrorsAsPayload(_Operation):
    """Hands the resolver its viewer and turns a raised ``DomainError`` into the payload."""

    def apply(self, field: StrawberryField) -> None:
        super().apply(field)
        self.payload = field.type
        self.error_type = _error_type(field)

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        raise TypeError("koc mutations are async")  # pragma: no cover - a wiring mistake

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        try:
            return await next_(source, info, **self._checked(info, kwargs))
        except (DomainError, DomainErrors) as exc:
            return self.payload(errors=errors_of(exc, self.error_type))


class DomainErrorsAsBadInput(_Operation):
    """Hands the resolver its viewer and turns a raised ``DomainError`` into a top-level
    BAD_USER_INPUT error: a query has no payload to carry it."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            return next_(source, info, **self._checked(info, kwargs))
        except (DomainError, DomainErrors) as exc:
            raise bad_input(exc) from exc

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        try:
            if self.long_read:
                async with long_reads():
                    return await next_(source, info, **self._checked(info, kwargs))
            return await next_(source, info, **self._checked(info, kwargs))
        except (DomainError, DomainErrors) as exc:
            raise bad_input(exc) from exc


def _operation(
    make: Callable[..., Any],
    extension: type[_Operation],
    allow: type[BasePermission],
    description: str,
    long_read: bool = False,
) -> Callable[[Callable[..., Any]], Any]:
    def decorate(resolver: Callable[..., Any]) -> Any:
        wrapped = StrawberryResolver(resolver)
        # The viewer is handed in, not a GraphQL argument: it leaves the arguments before
        # strawberry checks their types (a union of viewer kinds is no GraphQL input type).
        wants_viewer = any(a.python_name == VIEWER for a in wrapped.arguments)
        wrapped.arguments = [a for a in wrapped.arguments if a.python_name != VIEWER]
        return make(
            resolver=wrapped,
            description=description,
            permission_classes=[] if allow is Public else [allow],
            extensions=[extension(wants_viewer=wants_viewer, long_read=long_read)],
        )

    return decorate


def mutation(
    *, allow: type[BasePermission], description: str
) -> Callable[[Callable[..., Awaitable[Any]]], Any]:
    """Declare a mutation: who may call it (a class of ``koc.graphql.permissions``, or
    ``Public``) and what it does. See the module docstring."""
    return _operation(strawberry.mutation, DomainErrorsAsPayload, allow, description)


def query(
    *, allow: type[BasePermission], description: str, long_read: bool = False
) -> Callable[[Callable[..., Any]], Any]:
    """Declare a root query field: who may call it and what it answers. See the module
    docstring. A report that scans much of the database says ``long_read=True``: its resolver
    reads on SQLite's read connection, off the event loop (``koc.db.long_reads``)."""
    return _operation(strawberry.field, DomainErrorsAsBadInput, allow, description, long_read)
