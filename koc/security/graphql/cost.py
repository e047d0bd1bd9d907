"""The cost of an operation, estimated before it runs: objects times page sizes.

Every field costs 1. A field taking ``first`` / ``last`` (a connection) multiplies the cost of
its selection by that page size, 20 when omitted; any other list of objects multiplies by 20,
except the ``edges`` / ``nodes`` of a connection, whose size the connection already counted.
The same walk refuses a page size outside 0..100 on any field, so no connection can forget to
call ``check_first``.

It walks a GraphQL document against the schema and shares the page-size limits of
``koc.graphql.relay``, so it belongs to the GraphQL adapter, not to the security services.

Some root fields do work far beyond their selection: ``work_of`` says what more they draw from
the rate limits (not counted against the cost limit, which is about the shape of a query).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInt,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    value_from_ast,
)
from graphql.type.definition import GraphQLField, GraphQLInterfaceType

from koc.graphql.relay import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

PAGE_ARGUMENTS = ("first", "last")
# A password check is a deliberately slow hash (Argon2id: ~50 ms of CPU and 64 MiB), thousands of
# times the work of a field: a staffLogin draws that much from the caller's bucket and as much
# again from a bucket of the username it tries, which many addresses guessing one account share.
PASSWORD_CHECK_COST = 5_000
# root field -> (points, the argument whose value has a bucket of its own)
EXPENSIVE_FIELDS = {("Mutation", "staffLogin"): (PASSWORD_CHECK_COST, "username")}
# List fields of a connection type: their length is the page size the connection counted.
CONNECTION_LISTS = ("edges", "nodes")


def page_size_error(argument: str) -> GraphQLError:
    return GraphQLError(
        f"`{argument}` must be between 0 and {MAX_PAGE_SIZE}.",
        extensions={"code": "BAD_USER_INPUT"},
    )


def estimate_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> int:
    """The estimated cost of the operation ``operation_name`` of a validated ``document``.

    Raises a BAD_USER_INPUT ``GraphQLError`` when a page size is out of range.
    """
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    walker = _Walker(schema, document, dict(variables or {}))
    return walker.selection_cost(operation.selection_set, root, frozenset())


def work_of(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> list[tuple[str, int]]:
    """(bucket, points) for each expensive root field of the operation (``EXPENSIVE_FIELDS``):
    the bucket of the value of its key argument, e.g. ``("staffLogin:admin", 5000)``."""
    operation = get_operation_ast(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation else None
    if operation is None or root is None:
        return []
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    found = []
    for node in _root_fields(operation.selection_set, fragments, frozenset()):
        expensive = EXPENSIVE_FIELDS.get((root.name, node.name.value))
        if expensive is None:
            continue
        points, argument = expensive
        given = next((a.value for a in node.arguments or () if a.name.value == argument), None)
        definition = root.fields[node.name.value].args[argument]
        value = value_from_ast(given, definition.type, dict(variables or {})) if given else None
        # A value of the wrong type is refused by execution, before any work.
        if isinstance(value, str):
            found.append((f"{node.name.value}:{value.lower()}", points))
    return found


def _root_fields(
    selection_set: SelectionSetNode, fragments: dict[str, Any], seen: frozenset[str]
) -> list[FieldNode]:
    fields: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            fields.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            fields += _root_fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                names = seen | {selection.name.value}
                fields += _root_fields(fragment.selection_set, fragments, names)
    return fields


class CostCache:
    """Estimated costs of recent operations: a mini-program sends the same few documents all
    day, and strawberry's parser cache hands back the same document object for the same text.

    A cost depends on the document, the operation and the numeric variables (page sizes); other
    variables only count by type. Refusals (a page size out of range) are not cached.
    """

    MAX_ENTRIES = 1024

    def __init__(self) -> None:
        self._costs: dict[tuple[Any, ...], tuple[DocumentNode, int]] = {}

    def estimate(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        variables: Mapping[str, Any] | None,
    ) -> int:
        shape = tuple(
            sorted(
                (name, value if isinstance(value, int | float) else type(value).__name__)
                for name, value in (variables or {}).items()
            )
        )
        key = (id(document), operation_name, shape)
        found = self._costs.get(key)
        # The document is kept in the entry, so its id cannot be reused by another one.
        if found is not None and found[0] is document:
            return found[1]
        cost = estimate_cost(schema, document, operation_name, variables)
        if len(self._costs) >= self.MAX_ENTRIES:
            self._costs.clear()
        self._costs[key] = (document, cost)
        return cost


class _Walker:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def selection_cost(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType, seen: frozenset[str]
    ) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field_cost(selection, parent, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_cost(selection.selection_set, target or parent, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value) or parent
                total += self.selection_cost(fragment.selection_set, target, seen | {name})
        return total

    def field_cost(self, node: FieldNode, parent: GraphQLNamedType, seen: frozenset[str]) -> int:
        name = node.name.value
        # Introspection answers from the schema in memory: one unit, whatever its shape.
        if name.startswith("__"):
            return 1
        fields = (
            parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        )
        definition: GraphQLField | None = fields.get(name)
        if definition is None or node.selection_set is None:
            return 1
        children = self.selection_cost(node.selection_set, get_named_type(definition.type), seen)
        return 1 + self.multiplier(node, definition, parent) * children

    def multiplier(
        self, node: FieldNode, definition: GraphQLField, parent: GraphQLNamedType
    ) -> int:
        sizes = [self.page_size(node, argument) for argument in PAGE_ARGUMENTS]
        if any(argument in definition.args for argument in PAGE_ARGUMENTS):
            given = [size for size in sizes if size is not None]
            return max(given) if given else DEFAULT_PAGE_SIZE
        if not _is_list(definition.type):
            return 1
        if node.name.value in CONNECTION_LISTS and _is_connection(parent):
            return 1
        return DEFAULT_PAGE_SIZE

    def page_size(self, node: FieldNode, argument: str) -> int | None:
        for arg in node.arguments or ():
            if arg.name.value == argument:
                value = value_from_ast(arg.value, GraphQLInt, self.variables)
                # A variable of the wrong type is refused by variable coercion, with its message.
                if not isinstance(value, int) or isinstance(value, bool):
                    return None
                if not 0 <= value <= MAX_PAGE_SIZE:
                    raise page_size_error(argument)
                return value
        return None


def _is_list(type_: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _is_connection(type_: GraphQLNamedType) -> bool:
    return (
        isinstance(type_, GraphQLObjectType)
        and "edges" in type_.fields
        and "pageInfo" in type_.fields
    )
