"""Lean resolvers: a field whose resolver takes no GraphQL argument and has no field extension
(no permission class, no wrapper) is resolved by calling its function straight away.

strawberry runs every resolver through one general path: convert the arguments (there are
none), let each field extension map them (there is none), build the call through a chain of
partials, then await the result in a coroutine of its own. For a staff page of 100 members
with every field that is several thousand calls of that machinery per request, and most of
the request's CPU went there rather than to koc's own code. A field that needs none of it gets
a resolver that builds the ``Info`` the function asks for and calls it; an async function's
coroutine goes to graphql-core as it is, which awaits it like any other.

What the field does is unchanged: the same function with the same ``self`` and ``info``, the
same errors. Fields with arguments, extensions or a ``root``/``parent`` parameter keep
strawberry's path; permission classes are extensions, so a guarded field always does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from strawberry.types.field import StrawberryField

DEFINITION = "strawberry-definition"


def _lean(field: StrawberryField, info_class: type) -> Callable[..., Any] | None:
    resolver = field.base_resolver
    if resolver is None or field.extensions or field.arguments:
        return None
    if resolver.parent_parameter or resolver.root_parameter:
        return None
    function = resolver.wrapped_func
    if not callable(function):
        return None
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    with_self = resolver.self_parameter is not None

    if with_self and info_name == "info":

        def resolve(source: Any, info: GraphQLResolveInfo) -> Any:
            return function(source, info=info_class(_raw_info=info, _field=field))

    elif with_self and info_name is None:

        def resolve(source: Any, info: GraphQLResolveInfo) -> Any:
            return function(source)

    else:
        return None  # rarer shapes (no self, another name for info) keep strawberry's path
    return resolve


def use_lean_resolvers(schema: GraphQLSchema, info_class: type) -> int:
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
            resolve = _lean(field, info_class)
            if resolve is not None:
                graphql_field.resolve = resolve
                count += 1
    return count
