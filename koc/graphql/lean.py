"""Lean resolvers: a field whose resolver takes no GraphQL argument and has no field extension
(no permission class, no wrapper) is resolved by calling its function straight away.

strawberry runs every resolver through one general path: convert the arguments (there are
none), let each field extension map them (there is none), build the call through a chain of
partials, then await the result in a coroutine of its own. For a staff page of 100 members
with every field that is several thousand calls of that machinery per request, and most of
the request's CPU went there rather than to koc's own code. A field that needs none of it gets
a resolver that builds the ``Info`` the function asks for and calls it; an async function's
coroutine goes to graphql-core as it is, which awaits it like any other.

An async function's coroutine is first run eagerly, up to its first real wait: one whose
DataLoader rows are already in the request's cache (the page resolver prefetched them, see
``koc.graphql.prefetch``) finishes there and its value goes to graphql-core as a plain value,
with no coroutine of graphql-core's, no task and no event-loop callback; one that must wait
is handed over as an awaitable that carries on from where it stopped.

What the field does is unchanged: the same function with the same ``self``, ``info`` and
arguments, the same errors. Fields with extensions, a ``root``/``parent`` parameter or an
argument of another type than a plain scalar keep strawberry's path; permission classes are
extensions, so a guarded field always does.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Generator
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.schema.config import StrawberryConfig
from strawberry.types.base import StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.field import StrawberryField

DEFINITION = "strawberry-definition"
# Argument types graphql-core already hands over as the Python value the resolver expects
# (an enum's too: strawberry's enum types give the Python member).
PLAIN = (int, str, bool, float)


class Resumed:
    """A coroutine that ran eagerly until it had to wait (it yielded ``first``), carried on
    by whoever awaits this: it sees the same sends and throws a task would have given it."""

    __slots__ = ("blocking", "coro", "first")

    def __init__(self, coro: Coroutine[Any, Any, Any], first: Any, blocking: bool) -> None:
        self.coro = coro
        self.first = first
        self.blocking = blocking

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, value = self.coro, self.first
        if self.blocking:
            value._asyncio_future_blocking = True
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # a cancellation the awaiting task received
                try:
                    value = coro.throw(exc)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    value = coro.send(sent)
                except StopIteration as done:
                    return done.value


def eager(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` up to its first real wait: its value if it finished (its exception if it
    failed), otherwise a ``Resumed`` awaitable."""
    try:
        first = coro.send(None)
    except StopIteration as done:
        return done.value
    # A task would take the future it waits on at once and clear the mark that says a
    # coroutine waits on it; until ``Resumed`` hands it to one, the mark must be clear, or the
    # next coroutine awaiting the same future (another member of the same stage) is refused.
    if getattr(first, "_asyncio_future_blocking", False):
        first._asyncio_future_blocking = False
        return Resumed(coro, first, True)
    return Resumed(coro, first, False)


def _plain_arguments(field: StrawberryField, config: StrawberryConfig) -> dict[str, str] | None:
    """GraphQL name -> Python name of the field's arguments, None when one is not plain."""
    names = {}
    for argument in field.arguments:
        type_ = argument.type
        if isinstance(type_, StrawberryOptional):
            type_ = type_.of_type
        if type_ not in PLAIN and not isinstance(type_, StrawberryEnumDefinition):
            return None
        names[config.name_converter.from_argument(argument)] = argument.python_name
    return names


def _lean(field: StrawberryField, config: StrawberryConfig) -> Callable[..., Any] | None:
    resolver = field.base_resolver
    if resolver is None or field.extensions:
        return None
    if resolver.parent_parameter or resolver.root_parameter or resolver.self_parameter is None:
        return None
    function = resolver.wrapped_func
    names = _plain_arguments(field, config)
    info_class = config.info_class
    if not callable(function) or names is None:
        return None
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    if info_name not in ("info", None):
        return None  # another name for info keeps strawberry's path
    run = eager if inspect.iscoroutinefunction(function) else (lambda value: value)

    def resolve(source: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        kwargs = {names.get(name, name): value for name, value in arguments.items()}
        if info_name:
            kwargs["info"] = info_class(_raw_info=info, _field=field)
        return run(function(source, **kwargs))

    resolve.lean = True  # type: ignore[attr-defined]  # koc.graphql.fastexec reads it
    return resolve


def use_lean_resolvers(schema: GraphQLSchema, config: StrawberryConfig) -> int:
    """Give every field that qualifies (see the module docstring) its lean resolver; returns
    how many did."""
    count = 0
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for graphql_field in type_.fields.values():
            field = (graphql_field.extensions or {}).get(DEFINITION)
            if not isinstance(field, StrawberryField):
                continue
            resolve = _lean(field, config)
            if resolve is not None:
                graphql_field.resolve = resolve
                count += 1
    return count
