"""The SQLite engine of koc: Tortoise's SQLite client, with writer transactions."""

from __future__ import annotations

import sqlite3

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError


class _WriterTransaction(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class ServerSqliteClient(SqliteClient):
    """Tortoise's SQLite client whose transactions start with ``BEGIN IMMEDIATE``.

    A plain (deferred) transaction reads first and asks for the write lock at its first write;
    when another process (a second uvicorn worker) committed in between, SQLite refuses at once
    with "database is locked" instead of waiting. Taking the write lock at BEGIN makes a second
    writer wait its turn (up to the connection's 5 s busy timeout). Within one process Tortoise
    already runs one transaction at a time, so nothing changes there.
    """

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(_WriterTransaction(self), self._lock)


# Tortoise takes the client class of an ``engine`` module from here. (Its migrations pick the
# SQL dialect by the client's module name, hence "sqlite" in this module's name.)
client_class = ServerSqliteClient
