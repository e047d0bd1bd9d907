"""Rows written straight into a SQLite database, as the benchmarks seed it: far faster than
creating models one by one, in the text Tortoise itself writes, so koc reads them as its own."""

from __future__ import annotations

from datetime import datetime

from tortoise.connection import connections

CHUNK = 50_000


def ts(value: datetime) -> str:
    """A datetime as Tortoise stores it in SQLite."""
    return value.isoformat(" ")


async def insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT ``rows`` (tuples in the order of ``columns``) into ``table``, CHUNK at a time."""
    sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
    conn = connections.get("default")
    for start in range(0, len(rows), CHUNK):
        await conn.execute_many(sql, rows[start : start + CHUNK])
