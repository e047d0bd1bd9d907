"""Raw SQL for the queries the ORM cannot say (correlated EXISTS, grouped joins across apps).

Statements are written with ``?`` placeholders and rewritten to ``$n`` for PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tortoise.connection import connections

_PLACEHOLDER = re.compile(r"\?")


def _for_dialect(sql: str, dialect: str) -> str:
    if dialect != "postgres":
        return sql
    counter = iter(range(1, 10_000))
    return _PLACEHOLDER.sub(lambda _: f"${next(counter)}", sql)


async def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` as tuples, on the current connection (the transaction's, inside one)."""
    conn = connections.get("default")
    _, rows = await conn.execute_query(_for_dialect(sql, conn.capabilities.dialect), list(params))
    return [tuple(r) for r in rows]
