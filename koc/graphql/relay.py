"""Relay connections with ``totalCount`` and keyset pagination.

Keyset (``WHERE (sort, id) < cursor``) rather than OFFSET, so page 1,000 of a million members
costs what page 1 costs; every offered ordering has an index that serves it.

A connection on a type that is itself listed (``members { referrals }``) goes through
``paginate_children``: the pages of every parent in the request come from one statement and
their counts from another, whatever the number of parents.
"""

from __future__ import annotations

import asyncio
import base64
import json
import operator
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from typing import Annotated, Any, Generic

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.relay.types import NodeType
from strawberry.types.nodes import SelectedField, Selection
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from koc.db import db_value
from koc.graphql.context import Info
from koc.graphql.loaders import loader
from koc.rows import R, column_types, fetch_by_keys, row_maker, table_and_columns

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

# The paging arguments of every connection field.
First = Annotated[
    int | None,
    strawberry.argument(description=f"Page size, 0-{MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE})."),
]
After = Annotated[
    str | None, strawberry.argument(description="Return items after this cursor (endCursor).")
]


@strawberry.type(description="A page of results with the total number of matches.")
class Connection(relay.Connection[NodeType]):
    total_count: int = strawberry.field(description="How many items match, over all pages.")


@dataclass(frozen=True)
class SortKey:
    """One column of an ordering; the primary key is always the last, as a tie-breaker."""

    field: str
    descending: bool = True


def check_first(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise GraphQLError(
            f"`first` must be between 0 and {MAX_PAGE_SIZE}.",
            extensions={"code": "BAD_USER_INPUT"},
        )
    return first


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values), default=str).encode()).decode()


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise GraphQLError("Invalid cursor.", extensions={"code": "BAD_USER_INPUT"}) from exc
    if not isinstance(values, list) or len(values) != width:
        raise GraphQLError("Invalid cursor.", extensions={"code": "BAD_USER_INPUT"})
    return values


# A comparison of a column with a value: (field, operator, value), the operator one of these.
_SQL_OPERATORS = {"eq": "=", "lt": "<", "gt": ">"}


def _after_terms(
    keys: Sequence[SortKey], values: Sequence[Any]
) -> list[list[tuple[str, str, Any]]]:
    """(k1, k2, ...) strictly after ``values`` in the ordering, as OR-ed prefixes, each an AND
    of comparisons: k1 after v1, or k1 = v1 and k2 after v2, ..."""
    return [
        [
            *((prev.field, "eq", value) for prev, value in zip(keys[:i], values, strict=False)),
            (key.field, "lt" if key.descending else "gt", values[i]),
        ]
        for i, key in enumerate(keys)
    ]


def _after_condition(keys: Sequence[SortKey], values: Sequence[Any]) -> Q:
    """``_after_terms`` as an ORM condition."""
    return reduce(
        operator.or_,
        (
            reduce(
                operator.and_,
                (Q(**{field if op == "eq" else f"{field}__{op}": v}) for field, op, v in term),
            )
            for term in _after_terms(keys, values)
        ),
    )


def _after_sql(keys: Sequence[SortKey], values: Sequence[Any]) -> tuple[str, list[Any]]:
    """``_after_terms`` as an SQL condition with ``?`` placeholders, and its parameters."""
    terms = _after_terms(keys, values)
    sql = " OR ".join(
        "(" + " AND ".join(f'"{field}" {_SQL_OPERATORS[op]} ?' for field, op, _ in term) + ")"
        for term in terms
    )
    return sql, [v for term in terms for _, _, v in term]


async def paginate(
    queryset: QuerySet[Any],
    *,
    first: int | None,
    after: str | None,
    to_node: Callable[[Any], NodeType],
    order: Sequence[SortKey] = (),
    count: bool = True,
) -> Connection[NodeType]:
    """One page of ``queryset`` as a Connection: two SQL statements (the page and the count)."""
    size = check_first(first)
    keys = _sort_keys(order)
    page_qs = queryset
    if after:
        page_qs = page_qs.filter(
            _after_condition(keys, _cursor_values(queryset.model, keys, after))
        )
    ordering = [f"-{k.field}" if k.descending else k.field for k in keys]
    rows = await page_qs.order_by(*ordering).limit(size + 1) if size else []
    has_next = len(rows) > size
    rows = rows[:size]
    total = await queryset.count() if count else len(rows)
    return _connection(rows, keys, has_next, after, total, to_node)


@dataclass(frozen=True)
class Children(Generic[R]):
    """The rows of ``model``'s table whose ``parent`` column names their parent, as ``row``
    tuples (``koc.rows``), narrowed by ``where``: a constant SQL condition on its columns."""

    model: type[Model]
    row: type[R]
    parent: str
    where: str = ""


@dataclass(frozen=True)
class _Selected:
    """``children`` with the columns of ``equal`` equal to their values (hashable)."""

    children: Children[Any]
    equal: tuple[tuple[str, Any], ...]

    def condition(self) -> tuple[str, list[Any]]:
        """The WHERE condition over a batch of parents (``{keys}``, bound first) and its other
        parameters."""
        conditions = [f'"{self.children.parent}" IN ({{keys}})']
        if self.children.where:
            conditions.append(f"({self.children.where})")
        conditions += [f'"{column}" = ?' for column, _ in self.equal]
        return " AND ".join(conditions), [db_value(v) for _, v in self.equal]


@dataclass(frozen=True)
class _PageKey:
    selected: _Selected
    keys: tuple[SortKey, ...]
    size: int
    after: tuple[Any, ...] | None  # the cursor's values, typed
    parent_id: int


@dataclass(frozen=True)
class _CountKey:
    selected: _Selected
    parent_id: int


async def paginate_children(
    info: Info,
    children: Children[Any],
    *,
    parent_id: int,
    first: int | None,
    after: str | None,
    to_node: Callable[[Any], NodeType],
    order: Sequence[SortKey] = (),
    equal: Mapping[str, Any] | None = None,
) -> Connection[NodeType]:
    """The page ``paginate`` would give of the children of ``parent_id`` whose ``equal``
    columns hold those values, batched with every other parent of the request: one statement
    for the pages of all of them (numbered per parent with ROW_NUMBER, which SQLite has since
    3.25), one for their counts, each run only when the caller selected it. ``after`` applies
    within each parent."""
    keys = tuple(_sort_keys(order))
    page_keys, count_keys = _children_keys(
        _selected_names(info), children, [parent_id], first, after, keys, equal
    )
    rows: list[Any] = []
    has_next = False
    if page_keys:
        rows, has_next = await loader(info, _load_pages).load(page_keys[0])
    # Not selected, the count is never read: 0 stands in rather than a statement.
    total = 0
    if count_keys:
        total = await loader(info, _load_counts).load(count_keys[0])
    return _connection(rows, keys, has_next, after, total, to_node)


def _children_keys(
    selected_names: set[str] | frozenset[str],
    children: Children[Any],
    parent_ids: Sequence[int],
    first: int | None,
    after: str | None,
    keys: tuple[SortKey, ...],
    equal: Mapping[str, Any] | None,
) -> tuple[list[_PageKey], list[_CountKey]]:
    """The loader keys ``paginate_children`` asks for these parents: pages when edges or
    pageInfo are selected, counts when totalCount is."""
    size = check_first(first)
    selected = _Selected(children, tuple(sorted((equal or {}).items())))
    page_keys: list[_PageKey] = []
    if size and selected_names & {"edges", "pageInfo"}:
        values = tuple(_cursor_values(children.row, keys, after)) if after else None
        page_keys = [_PageKey(selected, keys, size, values, p) for p in parent_ids]
    count_keys: list[_CountKey] = []
    if "totalCount" in selected_names:
        count_keys = [_CountKey(selected, p) for p in parent_ids]
    return page_keys, count_keys


def children_primer(
    children: Children[Any],
    order: Sequence[SortKey] = (),
    unless: tuple[str, ...] = (),
) -> Callable[[Info, Sequence[Any], SelectedField], Awaitable[object]]:
    """A primer (``koc.graphql.prefetch``) for a connection field that calls
    ``paginate_children`` with these ``children`` and ``order``: it asks the page and count
    loaders what every parent's field will. A field whose filter arguments (``unless``) are
    given is not primed (its resolver loads as before)."""
    keys = tuple(_sort_keys(order))

    async def prime(info: Info, parents: Sequence[Any], field: SelectedField) -> object:
        arguments = field.arguments
        if any(arguments.get(name) is not None for name in unless):
            return None
        # A selection gives a literal argument as its source text (a variable's value is typed);
        # the query was validated, so a literal `first` is an Int's digits.
        first = arguments.get("first")
        page_keys, count_keys = _children_keys(
            _direct_names(field.selections),
            children,
            list(dict.fromkeys(p.id for p in parents)),
            int(first) if isinstance(first, str) else first,
            arguments.get("after"),
            keys,
            None,
        )
        return await asyncio.gather(
            loader(info, _load_pages).load_many(page_keys),
            loader(info, _load_counts).load_many(count_keys),
        )

    return prime


async def _load_pages(page_keys: Sequence[_PageKey]) -> list[tuple[list[Any], bool]]:
    """Per key, its parent's first ``size`` rows after the cursor and whether more follow; one
    statement per distinct (children, ordering, size, cursor), in practice one per field."""
    groups: dict[tuple[Any, ...], set[int]] = {}
    for k in page_keys:
        groups.setdefault((k.selected, k.keys, k.size, k.after), set()).add(k.parent_id)
    found: dict[_PageKey, tuple[list[Any], bool]] = {}
    for (selected, keys, size, after), parent_ids in groups.items():
        per_parent: dict[int, list[Any]] = {p: [] for p in parent_ids}
        for row in await _first_rows(selected, keys, size + 1, after, parent_ids):
            per_parent[getattr(row, selected.children.parent)].append(row)
        for parent_id, rows in per_parent.items():
            key = _PageKey(selected, keys, size, after, parent_id)
            found[key] = (rows[:size], len(rows) > size)
    return [found[k] for k in page_keys]


async def _first_rows(
    selected: _Selected,
    keys: Sequence[SortKey],
    limit: int,
    after: Sequence[Any] | None,
    parent_ids: Iterable[int],
) -> list[Any]:
    """Up to ``limit`` rows per parent, each parent's in page order, in one statement."""
    children = selected.children
    table, columns = table_and_columns(children.model, children.row)
    where, params = selected.condition()
    if after is not None:
        after_sql, after_params = _after_sql(keys, after)
        where += f" AND ({after_sql})"
        params += after_params
    ordering = ", ".join(f'"{k.field}" {"DESC" if k.descending else "ASC"}' for k in keys)
    numbered = f'ROW_NUMBER() OVER (PARTITION BY "{children.parent}" ORDER BY {ordering})'
    sql = (
        f'SELECT {columns} FROM (SELECT {columns}, {numbered} AS "page_row" FROM "{table}" '
        f'WHERE {where}) AS "page" WHERE "page_row" <= ? ORDER BY "page_row"'
    )
    make = row_maker(children.row)
    return [make(r) for r in await fetch_by_keys(sql, list(parent_ids), [*params, limit])]


async def _load_counts(count_keys: Sequence[_CountKey]) -> list[int]:
    """Per key, how many rows its parent has: one GROUP BY statement per kind of children."""
    groups: dict[_Selected, set[int]] = {}
    for k in count_keys:
        groups.setdefault(k.selected, set()).add(k.parent_id)
    counts: dict[tuple[_Selected, int], int] = {}
    for selected, parent_ids in groups.items():
        table, _ = table_and_columns(selected.children.model, selected.children.row)
        parent = selected.children.parent
        where, params = selected.condition()
        sql = f'SELECT "{parent}", COUNT(*) FROM "{table}" WHERE {where} GROUP BY "{parent}"'
        for parent_id, n in await fetch_by_keys(sql, list(parent_ids), params):
            counts[(selected, parent_id)] = n
    return [counts.get((k.selected, k.parent_id), 0) for k in count_keys]


def connection_of(
    rows: Sequence[Any],
    order: Sequence[SortKey],
    has_next: bool,
    after: str | None,
    total: int,
    to_node: Callable[[Any], NodeType],
) -> Connection[NodeType]:
    """A page its caller fetched itself (a statement of its own, such as ``Member.timeline``'s
    UNION), ordered by ``order`` then the rows' ``id``, as a Connection with the usual
    cursors."""
    return _connection(rows, _sort_keys(order), has_next, after, total, to_node)


def cursor_values(row_type: Any, order: Sequence[SortKey], after: str) -> list[Any]:
    """The values of the cursor ``after`` of a ``connection_of`` page, each of its column's
    type in ``row_type``; BAD_USER_INPUT when it is no such cursor."""
    return _cursor_values(row_type, _sort_keys(order), after)


def selected_names(info: Info) -> frozenset[str]:
    """What a connection field selects directly (``edges``, ``pageInfo``, ``totalCount``), for
    a field that pages itself (``connection_of``) and runs only the statements asked for."""
    return _selected_names(info)


def paginate_rows(
    rows: Iterable[Any],
    *,
    first: int | None,
    after: str | None,
    to_node: Callable[[Any], NodeType],
    order: Sequence[SortKey] = (),
) -> Connection[NodeType]:
    """A page of rows already loaded (a short list, such as the open surveys meant for a
    member), with the same ordering and cursors as ``paginate``."""
    size = check_first(first)
    keys = _sort_keys(order)
    candidates = list(rows)
    total = len(candidates)
    for key in reversed(keys):  # stable sorts, least significant key first
        candidates.sort(key=lambda r, f=key.field: getattr(r, f), reverse=key.descending)
    if after:
        values = decode_cursor(after, len(keys))
        if candidates:
            values = _cursor_values(type(candidates[0]), keys, after)
        candidates = [r for r in candidates if _comes_after(r, keys, values)]
    return _connection(candidates[:size], keys, len(candidates) > size, after, total, to_node)


def _comes_after(row: Any, keys: Sequence[SortKey], values: Sequence[Any]) -> bool:
    """Whether ``row`` is strictly after ``values`` in the ordering (``_after_condition``)."""
    for key, value in zip(keys, values, strict=True):
        mine = getattr(row, key.field)
        if mine != value:
            try:
                return mine < value if key.descending else mine > value
            except TypeError as exc:  # a cursor of another list, its values of other types
                raise GraphQLError(
                    "Invalid cursor.", extensions={"code": "BAD_USER_INPUT"}
                ) from exc
    return False


def _sort_keys(order: Sequence[SortKey]) -> list[SortKey]:
    return [*order, SortKey("id", descending=order[-1].descending if order else True)]


def _cursor_values(model: Any, keys: Sequence[SortKey], after: str) -> list[Any]:
    values = decode_cursor(after, len(keys))
    return [_typed_value(model, k.field, v) for k, v in zip(keys, values, strict=True)]


def _connection(
    rows: Sequence[Any],
    keys: Sequence[SortKey],
    has_next: bool,
    after: str | None,
    total: int,
    to_node: Callable[[Any], NodeType],
) -> Connection[NodeType]:
    edges = [
        relay.Edge(
            cursor=encode_cursor([_cursor_value(getattr(r, k.field)) for k in keys]),
            node=to_node(r),
        )
        for r in rows
    ]
    return Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


def _selected_names(info: Info) -> frozenset[str]:
    """Names of the fields selected directly under the current field, through fragments.

    They depend on the field's nodes in the document alone (not on variables), and a nested
    connection asks for them once per parent (a hundred times on a page): worked out once
    per request and field, strawberry's ``selected_fields`` converts the field's whole
    sub-selection each time."""
    key = tuple(map(id, info._raw_info.field_nodes))
    memo = info.context.selections
    found = memo.get(key)
    if found is None:
        found = memo[key] = frozenset(
            name for field in info.selected_fields for name in _direct_names(field.selections)
        )
    return found


def _direct_names(selections: Iterable[Selection]) -> set[str]:
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, SelectedField):
            names.add(selection.name)
        else:
            names.update(_direct_names(selection.selections))
    return names


def _cursor_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _typed_value(model: Any, field_name: str, value: Any) -> Any:
    """A cursor value back in its column's Python type (``model`` a model or a row type): a
    datetime compared as a string would sort differently from the database's own format."""
    kind = column_types(model).get(field_name)
    try:
        if kind is datetime and isinstance(value, str):
            return datetime.fromisoformat(value)
        if kind is date and isinstance(value, str):
            return date.fromisoformat(value)
    except ValueError as exc:
        raise GraphQLError("Invalid cursor.", extensions={"code": "BAD_USER_INPUT"}) from exc
    if value is not None and not isinstance(value, str | int | float | datetime | date):
        raise GraphQLError("Invalid cursor.", extensions={"code": "BAD_USER_INPUT"})
    return value
