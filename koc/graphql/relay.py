"""Relay connections with ``totalCount`` and keyset pagination.

Keyset (``WHERE (sort, id) < cursor``) rather than OFFSET, so page 1,000 of a million members
costs what page 1 costs; every offered ordering has an index that serves it.

A connection on a type that is itself listed (``members { referrals }``) goes through
``paginate_children``: the pages of every parent in the request come from one statement and
their counts from another, whatever the number of parents.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.relay.types import NodeType
from strawberry.types.nodes import SelectedField, Selection
from tortoise import fields
from tortoise.expressions import Q, RawSQL
from tortoise.functions import Count
from tortoise.models import Model
from tortoise.queryset import QuerySet

from koc.graphql.context import Info
from koc.graphql.loaders import loader
from koc.rows import KeyedQuery

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


def _after_condition(keys: Sequence[SortKey], values: Sequence[Any]) -> Q:
    """(k1, k2, ...) strictly after ``values`` in the ordering, as OR-ed prefixes."""
    condition: Q | None = None
    for i, key in enumerate(keys):
        op = "lt" if key.descending else "gt"
        term = Q(**{f"{key.field}__{op}": values[i]})
        for prev, value in zip(keys[:i], values[:i], strict=False):
            term &= Q(**{prev.field: value})
        condition = term if condition is None else condition | term
    assert condition is not None
    return condition


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
class _Children:
    """The rows of ``model`` whose ``parent`` column names their parent, narrowed by ``filters``
    (field lookups with hashable values, as ``Model.filter`` takes them)."""

    model: type[Model]
    parent: str
    filters: tuple[tuple[str, Any], ...]

    def of(self, parent_ids: Iterable[int]) -> QuerySet[Any]:
        return self.model.filter(**{f"{self.parent}__in": list(parent_ids)}, **dict(self.filters))


@dataclass(frozen=True)
class _PageKey:
    children: _Children
    keys: tuple[SortKey, ...]
    size: int
    after: tuple[Any, ...] | None  # the cursor's values, typed
    parent_id: int


@dataclass(frozen=True)
class _CountKey:
    children: _Children
    parent_id: int


async def paginate_children(
    info: Info,
    model: type[Model],
    *,
    parent: str,
    parent_id: int,
    first: int | None,
    after: str | None,
    to_node: Callable[[Any], NodeType],
    order: Sequence[SortKey] = (),
    filters: Mapping[str, Any] | None = None,
) -> Connection[NodeType]:
    """The page ``paginate`` would give of ``model.filter(<parent>=parent_id, **filters)``,
    batched with every other parent of the request: one statement for the pages of all of them
    (numbered per parent with ROW_NUMBER, which SQLite has since 3.25), one for their counts,
    each run only when the caller selected it. ``after`` applies within each parent."""
    size = check_first(first)
    keys = tuple(_sort_keys(order))
    children = _Children(model, parent, tuple(sorted((filters or {}).items())))
    selected = _selected_names(info)
    rows: list[Any] = []
    has_next = False
    if size and selected & {"edges", "pageInfo"}:
        values = tuple(_cursor_values(model, keys, after)) if after else None
        page_key = _PageKey(children, keys, size, values, parent_id)
        rows, has_next = await loader(info, _load_pages).load(page_key)
    # Not selected, the count is never read: 0 stands in rather than a statement.
    total = 0
    if "totalCount" in selected:
        total = await loader(info, _load_counts).load(_CountKey(children, parent_id))
    return _connection(rows, keys, has_next, after, total, to_node)


async def _load_pages(page_keys: Sequence[_PageKey]) -> list[tuple[list[Any], bool]]:
    """Per key, its parent's first ``size`` rows after the cursor and whether more follow; one
    statement per distinct (children, ordering, size, cursor), in practice one per field."""
    groups: dict[tuple[Any, ...], set[int]] = {}
    for k in page_keys:
        groups.setdefault((k.children, k.keys, k.size, k.after), set()).add(k.parent_id)
    found: dict[_PageKey, tuple[list[Any], bool]] = {}
    for (children, keys, size, after), parent_ids in groups.items():
        per_parent: dict[int, list[Any]] = {p: [] for p in parent_ids}
        for row in await _first_rows(children, keys, size + 1, after, parent_ids):
            per_parent[getattr(row, children.parent)].append(row)
        for parent_id, rows in per_parent.items():
            key = _PageKey(children, keys, size, after, parent_id)
            found[key] = (rows[:size], len(rows) > size)
    return [found[k] for k in page_keys]


async def _first_rows(
    children: _Children,
    keys: Sequence[SortKey],
    limit: int,
    after: Sequence[Any] | None,
    parent_ids: Iterable[int],
) -> list[Any]:
    """Up to ``limit`` rows per parent, each parent's in page order, in one statement."""
    model = children.model
    qs = children.of(parent_ids)
    if after is not None:
        qs = qs.filter(_after_condition(keys, after))
    table = model._meta.db_table

    def column(name: str) -> str:
        return f'"{table}"."{model._meta.fields_db_projection[name]}"'

    ordering = ", ".join(f"{column(k.field)} {'DESC' if k.descending else 'ASC'}" for k in keys)
    qs = qs.annotate(
        page_row=RawSQL(
            f"ROW_NUMBER() OVER (PARTITION BY {column(children.parent)} ORDER BY {ordering})"
        )
    )
    # The ORM cannot filter on a window function: wrap its statement (as its own Subquery does)
    # and let its executor turn the rows into model instances, column types converted.
    qs._choose_db_if_not_chosen()
    qs._make_query()
    sql, params = qs.query.get_parameterized_sql()
    wrapped = (
        f'SELECT * FROM ({sql}) AS "page" WHERE "page_row" <= {int(limit)} ORDER BY "page_row"'
    )
    executor = qs._db.executor_class(model=model, db=qs._db)
    return await executor.execute_select(wrapped, params)


async def _load_counts(count_keys: Sequence[_CountKey]) -> list[int]:
    """Per key, how many rows its parent has: one GROUP BY statement per kind of children."""
    groups: dict[_Children, set[int]] = {}
    for k in count_keys:
        groups.setdefault(k.children, set()).add(k.parent_id)
    counts: dict[tuple[_Children, int], int] = {}
    for children, parent_ids in groups.items():
        column = children.model._meta.fields_db_projection[children.parent]
        for row in await _counter(children).rows(list(parent_ids)):
            counts[(children, row[column])] = row["n"]
    return [counts.get((k.children, k.parent_id), 0) for k in count_keys]


# One counting statement per kind of children, kept across requests (koc.rows says why).
_COUNTERS: dict[_Children, KeyedQuery] = {}


def _counter(children: _Children) -> KeyedQuery:
    found = _COUNTERS.get(children)
    if found is None:
        found = _COUNTERS[children] = KeyedQuery(
            children.model,
            lambda keys: (
                children.of(keys)
                .group_by(children.parent)
                .annotate(n=Count("id"))
                .values(children.parent, "n")
            ),
        )
    return found


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


def _selected_names(info: Info) -> set[str]:
    """Names of the fields selected directly under the current field, through fragments."""
    return {name for field in info.selected_fields for name in _direct_names(field.selections)}


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
    """A cursor value back in its column's Python type: a datetime compared as a string would
    sort differently from the database's own format."""
    field = model._meta.fields_map.get(field_name)
    try:
        if isinstance(field, fields.DatetimeField) and isinstance(value, str):
            return datetime.fromisoformat(value)
        if isinstance(field, fields.DateField) and isinstance(value, str):
            return date.fromisoformat(value)
    except ValueError as exc:
        raise GraphQLError("Invalid cursor.", extensions={"code": "BAD_USER_INPUT"}) from exc
    if value is not None and not isinstance(value, str | int | float | datetime | date):
        raise GraphQLError("Invalid cursor.", extensions={"code": "BAD_USER_INPUT"})
    return value
