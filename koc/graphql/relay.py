"""Relay connections with ``totalCount`` and keyset pagination.

Keyset (``WHERE (sort, id) < cursor``) rather than OFFSET, so page 1,000 of a million members
costs what page 1 costs; every offered ordering has an index that serves it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.relay.types import NodeType
from tortoise import fields
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


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
    keys = [*order, SortKey("id", descending=order[-1].descending if order else True)]
    page_qs = queryset
    if after:
        values = decode_cursor(after, len(keys))
        typed = [
            _typed_value(queryset.model, k.field, v) for k, v in zip(keys, values, strict=True)
        ]
        page_qs = page_qs.filter(_after_condition(keys, typed))
    ordering = [f"-{k.field}" if k.descending else k.field for k in keys]
    rows = await page_qs.order_by(*ordering).limit(size + 1) if size else []
    has_next = len(rows) > size
    rows = rows[:size]
    total = await queryset.count() if count else len(rows)
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
