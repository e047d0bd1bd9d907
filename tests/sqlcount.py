"""Counting the SQL statements an operation runs (as Saleor's ``count_queries``).

Tortoise logs every statement it sends on the ``tortoise.db_client`` logger at DEBUG level, on
every engine and inside transactions, so a handler on that logger sees each one.

``list_queries`` builds, from the schema, the operations whose counts must not depend on the
page size.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_leaf_type,
)

LOGGER = logging.getLogger("tortoise.db_client")


class StatementCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        # Connection bookkeeping is logged on the same logger; it is not a statement.
        if not message.startswith(("Created connection", "Closed connection")):
            self.statements.append(message)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements() -> Iterator[StatementCounter]:
    """``with count_statements() as c: ...`` then ``c.count`` / ``c.statements``."""
    counter = StatementCounter()
    previous_level = LOGGER.level
    LOGGER.setLevel(logging.DEBUG)
    LOGGER.addHandler(counter)
    try:
        yield counter
    finally:
        LOGGER.removeHandler(counter)
        LOGGER.setLevel(previous_level)


# --- list queries built from the schema --------------------------------------------------------
#
# Every root connection with a selection wide enough that a field loading rows one parent at a
# time shows up as a statement count growing with ``first``: asserted by
# tests/test_list_statement_counts.py, and importable by bench/run.py, which already counts with
# this module.

NESTED_PAGE_SIZE = 2  # nested connections: small pages keep the operation under the cost limit


def _is_connection(type_: Any) -> bool:
    named = get_named_type(type_)
    return isinstance(named, GraphQLObjectType) and "edges" in named.fields


def _is_list(type_: Any) -> bool:
    return isinstance(type_.of_type if isinstance(type_, GraphQLNonNull) else type_, GraphQLList)


def _callable(field: GraphQLField) -> bool:
    """Whether the field can be selected without arguments."""
    return not any(
        isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
        for a in field.args.values()
    )


def leaves(type_: Any) -> str:
    """Every scalar and enum field of an object type that takes no required argument."""
    named = get_named_type(type_)
    return " ".join(
        name
        for name, f in named.fields.items()
        if is_leaf_type(get_named_type(f.type)) and _callable(f)
    )


def connection_selection(type_: Any, page: str, node: str) -> str:
    edges_type = get_named_type(get_named_type(type_).fields["edges"].type)
    node_type = edges_type.fields["node"].type
    return (
        f"({page}) {{ totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} "
        f"edges {{ cursor node {{ {node or leaves(node_type)} }} }} }}"
    )


def node_selections(node_type: Any) -> dict[str, str]:
    """Selections of a node: ``scalars`` (every scalar, and every single object with its scalars),
    then one per list or connection field (with the node's id, that list and its scalars).

    Splitting keeps each operation under the token and cost limits while still reaching every
    field one level down."""
    named = get_named_type(node_type)
    flat = [leaves(named)]
    nested: dict[str, str] = {}
    for name, f in named.fields.items():
        inner = get_named_type(f.type)
        if is_leaf_type(inner) or not _callable(f) or not isinstance(inner, GraphQLObjectType):
            continue
        if _is_connection(f.type) and "first" in f.args:
            page = f"first: {NESTED_PAGE_SIZE}"
            nested[name] = f"id {name}{connection_selection(f.type, page, '')}"
        elif _is_list(f.type):
            nested[name] = f"id {name} {{ {leaves(inner)} }}"
        elif leaves(inner):
            flat.append(f"{name} {{ {leaves(inner)} }}")
    return {"scalars": " ".join(flat), **nested}


def list_queries(
    schema: GraphQLSchema, arguments: Mapping[str, str] | None = None
) -> dict[str, dict[str, str]]:
    """Per root connection field, its operations by selection name (see ``node_selections``),
    each taking ``$first``.

    ``arguments`` gives the required arguments of a root field as GraphQL text
    (``{"kocCampaignSubmissions": 'campaignId: "..."'}``); a root connection with required
    arguments and no entry there is left out."""
    arguments = arguments or {}
    found: dict[str, dict[str, str]] = {}
    for name, f in schema.query_type.fields.items():
        if not _is_connection(f.type) or "first" not in f.args:
            continue
        if not _callable(f) and name not in arguments:
            continue
        page = ", ".join(a for a in ("first: $first", arguments.get(name)) if a)
        node_type = get_named_type(get_named_type(f.type).fields["edges"].type).fields["node"].type
        found[name] = {
            part: f"query($first: Int) {{ {name}{connection_selection(f.type, page, node)} }}"
            for part, node in node_selections(node_type).items()
        }
    return found
