"""Rows by key, with the SQL statement built once per batch size: the per-request DataLoaders'
hot path.

Tortoise builds a query's SQL anew on every call, about 0.1 ms of Python per statement (filter
resolution, pypika copies and rendering), more than SQLite takes to answer a lookup by an
indexed key. The mini-program's home screen runs a dozen batched lookups per request, so the
loaders behind it keep the statement Tortoise rendered for a batch size and only bind new keys.
Rows still become model instances through Tortoise's own conversion (``_init_from_db``, the
step its executor runs on every row), so field types and defaults are the ORM's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from tortoise.models import Model

M = TypeVar("M", bound=Model)


def _bucket(size: int) -> int:
    """The next power of two: a few cached statements serve every batch size."""
    return 1 << (size - 1).bit_length()


class RowsByKey(Generic[M]):
    """``SELECT * FROM <model> WHERE <key> IN (...) [AND <filters>] ORDER BY ...``, cached.

    ``filters`` are constant (``active=True``); the keys are bound per call. A batch is padded
    to the next power of two by repeating its last key (``IN`` ignores repeats), so the cache
    holds at most one statement per power of two.
    """

    def __init__(
        self, model: type[M], key: str, *, order_by: Sequence[str] = (), **filters: Any
    ) -> None:
        self.model = model
        self.key = key
        self.order_by = tuple(order_by)
        self.filters = filters
        self._statements: dict[int, tuple[str, list[Any], int]] = {}

    def _statement(self, size: int) -> tuple[str, list[Any], int]:
        """SQL, the constant parameters, and where the keys start among the parameters."""
        found = self._statements.get(size)
        if found is None:
            # Tortoise renders IN values in order; sentinel keys tell where they sit.
            sentinels = [-(10**12) - i for i in range(size)]
            queryset = self.model.filter(**{f"{self.key}__in": sentinels}, **self.filters)
            queryset = queryset.order_by(*self.order_by)
            queryset.sql()  # renders queryset.query for this connection's dialect
            sql, params = queryset.query.get_parameterized_sql()
            start = params.index(sentinels[0])
            if params[start : start + size] != sentinels:
                raise RuntimeError(f"cannot bind keys into {sql!r}")
            found = self._statements[size] = (sql, params, start)
        return found

    async def fetch(self, keys: Sequence[Any]) -> list[M]:
        """The rows whose key is one of ``keys``, in the statement's order."""
        unique = list(dict.fromkeys(keys))
        if not unique:
            return []
        size = _bucket(len(unique))
        sql, params, start = self._statement(size)
        bound = unique + [unique[-1]] * (size - len(unique))
        values = [*params[:start], *bound, *params[start + size :]]
        _, rows = await self.model._choose_db().execute_query(sql, values)
        init = self.model._init_from_db
        return [init(**dict(row)) for row in rows]
