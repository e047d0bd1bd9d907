"""Fixed-shape batched lookups in plain parameterised SQL: the hot path of the per-request
DataLoaders.

Building a query through Tortoise costs about 0.1 ms of Python per statement (filter
resolution, pypika copies and rendering), more than SQLite takes to answer a lookup by an
indexed key, and the mini-program's home screen runs a dozen batched lookups per request. Those
loaders are fixed statements (some columns of one table, by one key), so they are written here
as SQL, run through ``koc.db``, and give small typed tuples rather than model instances.

A row type is a ``NamedTuple`` whose fields are the columns its readers need, each with its
Python type. The type converts what a driver returns (SQLite gives text for datetimes and 0 / 1
for booleans; both engines give text for JSON) as the ORM would, and the first statement of a
row type checks it against the model's columns (``Model.describe``): a column renamed or
retyped in the model fails the first test that reads it.
"""

from __future__ import annotations

import functools
import json
import types
import typing
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from tortoise.models import Model

from koc.db import db_value, fetch, on_postgres, query_rows, table_of

R = TypeVar("R", bound=tuple[Any, ...])
M = TypeVar("M", bound=Model)


def _bucket(size: int) -> int:
    """The next power of two: a few statement texts serve every batch size."""
    return 1 << (size - 1).bit_length()


async def fetch_by_keys(
    sql: str, keys: Sequence[Any], params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (``?`` placeholders), whose ``{keys}`` stands for one placeholder per
    key; the keys are bound first, then ``params``.

    Keys are deduplicated and the batch padded to the next power of two by repeating its last
    key (``IN`` ignores repeats), so the engine sees one statement text per power of two and
    PostgreSQL's driver prepares each once."""
    unique = list(dict.fromkeys(keys))
    if not unique:
        return []
    size = _bucket(len(unique))
    bound = unique + [unique[-1]] * (size - len(unique))
    return await fetch(sql.replace("{keys}", ", ".join("?" * size)), [*bound, *params])


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The type of ``X`` or ``X | None``, and whether None is allowed."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        kinds = [a for a in args if a is not type(None)]
        if len(kinds) == 1:
            return kinds[0], len(args) > 1
    return annotation, False


def _to_datetime(value: Any) -> datetime:
    # SQLite keeps the ISO text Tortoise wrote; PostgreSQL gives an aware datetime. Naive text
    # is UTC, as Tortoise's ``timezone: UTC`` reads it.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _to_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _from_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _converter(annotation: Any) -> Callable[[Any], Any] | None:
    """How a column of this type turns from the driver's value into Python's, None when the
    drivers already give it (numbers, text)."""
    kind, _ = _unwrap(annotation)
    origin = typing.get_origin(kind) or kind
    if kind is datetime:
        return _to_datetime
    if kind is date:
        return _to_date
    if kind is bool:
        return bool
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind
    if origin in (list, dict):
        return _from_json
    return None


@functools.cache
def column_types(cls: type) -> dict[str, Any]:
    """Field name to Python type, of a row type or of a model (its data fields)."""
    if issubclass(cls, Model):
        return {c["name"]: c["python_type"] for c in table_of(cls)[1]}
    return {name: _unwrap(kind)[0] for name, kind in typing.get_type_hints(cls).items()}


@functools.cache
def table_and_columns(model: type[Model], row: type) -> tuple[str, str]:
    """The table of ``model`` and the quoted column list of ``row``, once ``row`` is checked
    against the model: every field a column, of its type, optional where the column is
    nullable."""
    table, described = table_of(model)
    columns = {c["db_column"]: c for c in described}
    for name, annotation in typing.get_type_hints(row).items():
        column = columns.get(name)
        kind, optional = _unwrap(annotation)
        if (
            column is None
            or optional != column["nullable"]
            or not issubclass(typing.get_origin(kind) or kind, column["python_type"])
        ):
            raise TypeError(f"{row.__name__}.{name} does not match a column of {model.__name__}")
    quoted = ", ".join(f'"{name}"' for name in typing.get_type_hints(row))
    return table, quoted


@functools.cache
def row_maker(row: type[R]) -> Callable[[Sequence[Any]], R]:
    """A function from a driver's row (the columns in ``row``'s order) to a ``row``."""
    conversions = [
        (i, convert)
        for i, annotation in enumerate(typing.get_type_hints(row).values())
        if (convert := _converter(annotation)) is not None
    ]

    def make(values: Sequence[Any]) -> R:
        converted = list(values)
        for i, convert in conversions:
            if converted[i] is not None:
                converted[i] = convert(converted[i])
        return row(*converted)

    return make


class RowsByKey(Generic[R]):
    """``SELECT <row's columns> FROM <model's table> WHERE <key> IN (...) [AND <column> =
    <constant> ...] [ORDER BY ...]``, as ``row`` tuples.

    ``order_by`` names columns, ``-`` first for descending; ``equal`` holds the constants
    (``active=True``)."""

    def __init__(
        self,
        model: type[Model],
        row: type[R],
        key: str,
        *,
        order_by: Sequence[str] = (),
        **equal: Any,
    ) -> None:
        self.model = model
        self.row = row
        self.key = key
        self.order_by = order_by
        self.equal = equal

    @functools.cached_property
    def statement(self) -> str:
        table, columns = table_and_columns(self.model, self.row)
        conditions = [f'"{self.key}" IN ({{keys}})', *(f'"{c}" = ?' for c in self.equal)]
        sql = f'SELECT {columns} FROM "{table}" WHERE {" AND ".join(conditions)}'
        if self.order_by:
            sql += " ORDER BY " + ", ".join(
                f'"{c[1:]}" DESC' if c.startswith("-") else f'"{c}"' for c in self.order_by
            )
        return sql

    async def fetch(self, keys: Sequence[Any]) -> list[R]:
        """The rows whose key is one of ``keys``, in the statement's order."""
        make = row_maker(self.row)
        params = [db_value(v) for v in self.equal.values()]
        return [make(r) for r in await fetch_by_keys(self.statement, keys, params)]


# --- whole rows as model instances, without building the statement each time ------------------
#
# For the writes of an order batch, which read a few rows by key, change them and write them
# back (``koc.db.update_rows``), or insert new ones: the model's constructor turns the driver's
# values into Python's as the ORM's own reads do, but such an instance is not known to the ORM
# as stored: read and write it through these helpers and ``update_rows``, never ``save()``.


@functools.cache
def _columns(model: type[Model]) -> tuple[str, list[str], list[str], frozenset[str]]:
    """The table, its field names and their quoted columns (the primary key first), and the
    fields an insert stamps with the time (``auto_now``, ``auto_now_add``) when they are unset."""
    table, described = table_of(model)
    stamped = frozenset(c["name"] for c in described if c.get("auto_now") or c.get("auto_now_add"))
    return (
        table,
        [c["name"] for c in described],
        [f'"{c["db_column"]}"' for c in described],
        stamped,
    )


async def fetch_models(
    model: type[M], key: str, keys: Sequence[Any], *, lock: bool = False, order_by: str = ""
) -> list[M]:
    """Every column of the rows of ``model`` whose ``key`` column is one of ``keys``, as
    instances ordered by ``order_by`` (by default ``key``); with ``lock``, locked for update
    (PostgreSQL; SQLite's one writer needs no row lock)."""
    table, names, columns, _ = _columns(model)
    sql = (
        f'SELECT {", ".join(columns)} FROM "{table}" WHERE "{key}" IN ({{keys}})'
        f' ORDER BY "{order_by or key}"'
    )
    if lock and on_postgres():
        sql += " FOR UPDATE"
    return [model(**dict(zip(names, row, strict=True))) for row in await fetch_by_keys(sql, keys)]


async def insert_models(instances: Sequence[M], *, ignore_conflicts: bool = False) -> list[M]:
    """Insert these new rows of one model (their primary key generated); they come back as
    stored, with their keys. A row that breaks a unique constraint fails the statement
    (``IntegrityError``) or, with ``ignore_conflicts``, is left out. One statement
    (``INSERT ... RETURNING``) per 500 rows."""
    if not instances:
        return []
    model = type(instances[0])
    table, names, columns, stamped = _columns(model)
    now = datetime.now(UTC)
    for instance in instances:
        for name in stamped:
            if getattr(instance, name) is None:
                setattr(instance, name, now)
    one = "(" + ", ".join("?" * (len(names) - 1)) + ")"  # the primary key first: generated
    stored: list[M] = []
    for start in range(0, len(instances), 500):
        chunk = instances[start : start + 500]
        # One row (a single order's): only its key comes back, set on the instance given.
        # Several: the rows come back whole, in no promised order, as new instances.
        sql = (
            f'INSERT INTO "{table}" ({", ".join(columns[1:])}) VALUES'
            f" {', '.join([one] * len(chunk))}"
            f"{' ON CONFLICT DO NOTHING' if ignore_conflicts else ''}"
            f" RETURNING {columns[0] if len(chunk) == 1 else ', '.join(columns)}"
        )
        params = [_to_db(getattr(i, name)) for i in chunk for name in names[1:]]
        # As dicts: PostgreSQL's client returns the rows of an INSERT only this way.
        rows = [list(row.values()) for row in await query_rows(sql, params)]
        if len(chunk) == 1:
            for (key,), instance in zip(rows, chunk, strict=False):
                instance.pk = key
                stored.append(instance)
        else:
            stored += [model(**dict(zip(names, row, strict=True))) for row in rows]
    return stored


def _to_db(value: Any) -> Any:
    if isinstance(value, dict | list):  # a JSON column: both engines take its text
        return json.dumps(value, separators=(",", ":"))
    return db_value(value)
