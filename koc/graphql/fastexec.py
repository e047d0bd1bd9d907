"""A faster graphql-core execution context: plain attribute fields skip the per-field machinery.

graphql-core executes every field the same way: it builds a ``Path`` and a ``GraphQLResolveInfo``
(fourteen attributes), calls the field's resolver (for a field without one of its own,
strawberry's wrapper, which builds strawberry's ``Info`` and calls ``getattr``), asks whether
the value is awaitable, then walks ``complete_value``'s chain of type tests down to the scalar's
serialiser. A staff page of 100 members executes some 6,000 fields, most of them such plain
attribute reads (a member's nickname, a badge's code), and that path was most of the page's CPU
once no field waited any more (bench/ROUND21.md, part 2).

For a field whose value is an attribute of its parent, read with strawberry's default resolver,
of a scalar or enum type, with no argument and no field extension (permission classes are field
extensions, so a guarded field is never one of them), this context reads the attribute and
serialises it directly. Anything out of the ordinary goes to graphql-core's own code:
the attribute missing or raising, a null for a non-null field, a value that does not
serialise, an awaitable complete through ``complete_value`` with the value read once (an
exception raised by the read as a resolver's error), and with a middleware (a schema extension
with a ``resolve`` hook) every field takes ``execute_field``. The errors and their paths are
graphql-core's, so the answer is the general executor's, byte for byte (``tests/test_fast_execution.py``
compares both over every example document, the bench's documents and documents generated from
the schema, for every kind of caller).

The plan of each object type (which of its fields qualify) is computed once per type: it
depends on the schema only, not on the document, so it is bounded by the schema's size.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from graphql.execution.executor import gather_with_cancel, to_nodes
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

DEFINITION = "strawberry-definition"


class PlainField(NamedTuple):
    """A field read as ``getattr(parent, attribute)`` and serialised by ``leaf``."""

    definition: GraphQLField
    attribute: str
    leaf: GraphQLScalarType | GraphQLEnumType
    non_null: bool


class LeanField(NamedTuple):
    """A field without arguments whose resolver is a lean one (``koc.graphql.lean``): called
    straight away, its value completed directly when it is a ``leaf`` value (None: of another
    type, completed by graphql-core)."""

    definition: GraphQLField
    leaf: GraphQLScalarType | GraphQLEnumType | None
    non_null: bool


def _leaf(type_: Any) -> tuple[GraphQLScalarType | GraphQLEnumType | None, bool]:
    non_null = isinstance(type_, GraphQLNonNull)
    if non_null:
        type_ = type_.of_type
    return (type_ if isinstance(type_, GraphQLScalarType | GraphQLEnumType) else None), non_null


def plan_field(field: GraphQLField) -> PlainField | LeanField | None:
    """The plan of a field this context executes itself, None for one graphql-core executes."""
    definition = (field.extensions or {}).get(DEFINITION)
    if not isinstance(definition, StrawberryField) or field.args:
        return None
    leaf, non_null = _leaf(field.type)
    if getattr(field.resolve, "lean", False):
        return LeanField(field, leaf, non_null)
    # strawberry's wrapper of its default resolver, getattr: a field with neither a resolver of
    # its own nor an extension keeps it (koc.graphql.lean replaces only resolvers of their own)
    if not definition.is_basic_field or definition.is_async:
        return None
    if definition.default_resolver is not getattr:
        return None
    if leaf is None:
        return None
    return PlainField(field, definition.python_name, leaf, non_null)


_PLANS: dict[GraphQLObjectType, dict[str, PlainField | LeanField]] = {}


def plan_of(type_: GraphQLObjectType) -> dict[str, PlainField | LeanField]:
    """Field name -> plan of the type's fields this context executes itself (computed once per
    type: it depends on the schema alone, so there are at most as many as the schema has
    types)."""
    plan = _PLANS.get(type_)
    if plan is None:
        plan = _PLANS[type_] = {
            name: found for name, field in type_.fields.items() if (found := plan_field(field))
        }
    return plan


class _Fallback(Exception):
    """The value is not a plain leaf value this time: graphql-core completes it."""


def _complete_leaf(
    leaf: GraphQLScalarType | GraphQLEnumType, non_null: bool, value: Any, is_awaitable: Any
) -> Any:
    """``value`` completed as graphql-core's ``complete_value`` would for a leaf type, or
    ``_Fallback`` for anything but a plain value (an error, an awaitable, a null for a
    non-null field, a value the type does not serialise): graphql-core then completes it."""
    if value is None:
        if non_null:
            raise _Fallback
        return None
    if value is Undefined or isinstance(value, Exception) or is_awaitable(value):
        raise _Fallback
    coerced = leaf.coerce_output_value(value)
    if coerced is Undefined or coerced is None:
        raise _Fallback
    return coerced


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, with plain and lean fields executed directly (see the
    module docstring); every other field, and every error, goes through graphql-core's own
    path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # a middleware wraps every resolver: then graphql-core executes every field
        self.fast = manager is None or getattr(manager, "_middleware_resolvers", None) is None

    def execute_fields(  # type: ignore[override]
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        # graphql-core's Executor.execute_fields (3.3), with the fields of the type's plan
        # executed in place of execute_field
        if not self.fast:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plan = plan_of(parent_type)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        append_awaitable = awaitable_fields.append
        try:
            for response_name, field_details_list in grouped_field_set.items():
                node = field_details_list[0].node
                planned = plan.get(node.name.value)
                if planned is None or node.arguments:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        field_details_list,
                        Path(path, response_name, parent_type.name),
                        position_context,
                    )
                else:
                    value = Undefined  # a lean field's resolver runs in _execute_lean
                    if type(planned) is PlainField:
                        try:
                            value = getattr(source_value, planned.attribute)
                        except Exception as error:  # noqa: BLE001 - as graphql-core would
                            value = error
                        try:
                            results[response_name] = _complete_leaf(
                                planned.leaf, planned.non_null, value, is_awaitable
                            )
                            continue
                        except Exception:  # noqa: BLE001 - completed below
                            pass
                    # a plain field's value read once, completed by graphql-core
                    result = self._execute_lean(
                        planned,
                        parent_type,
                        source_value,
                        field_details_list,
                        Path(path, response_name, parent_type.name),
                        position_context,
                        value,
                    )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        append_awaitable(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise

        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _execute_lean(
        self,
        planned: LeanField | PlainField,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
        value: Any = Undefined,
    ) -> Any:
        """graphql-core's ``execute_field`` for a field without arguments or middleware whose
        value, when it is a plain leaf value, is completed directly. A plain field's ``value``
        (already read, or the exception reading it raised) is completed by graphql-core's
        ``complete_value``, which raises an exception value as a resolver's error."""
        field_def = planned.definition
        return_type = field_def.type
        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)
        try:
            read = value is not Undefined
            result = value if read else field_def.resolve(source, info)  # type: ignore[misc]
            if not read and planned.leaf is not None:
                try:
                    return _complete_leaf(planned.leaf, planned.non_null, result, self.is_awaitable)
                except _Fallback:
                    pass
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, path, result, position_context
                )
            completed = self.complete_value(
                return_type, field_details_list, info, path, result, position_context
            )
            if self.is_awaitable(completed):
                return self._await_completed(completed, return_type, field_details_list, path)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        return completed

    async def _await_completed(
        self, completed: Any, return_type: Any, field_details_list: Any, path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
