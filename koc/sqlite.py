"""The SQLite engine of koc: Tortoise's SQLite client, with writer transactions, running
SQLite on the event loop's thread."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any

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


class _Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def close(self) -> None:
        self._cursor.close()


class _Statement:
    """What aiosqlite's ``execute`` gives: awaited, a cursor; or ``async with`` one."""

    def __init__(self, run: Callable[[], sqlite3.Cursor]) -> None:
        self._run = run
        self._cursor: _Cursor | None = None

    async def _cursor_now(self) -> _Cursor:
        await asyncio.sleep(0)
        return _Cursor(self._run())

    def __await__(self) -> Generator[Any, None, _Cursor]:
        return self._cursor_now().__await__()

    async def __aenter__(self) -> _Cursor:
        self._cursor = await self._cursor_now()
        return self._cursor

    async def __aexit__(self, *_: object) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class InlineConnection:
    """aiosqlite's ``Connection`` methods that Tortoise calls, answered by ``sqlite3`` on the
    calling thread.

    aiosqlite hands every statement to a worker thread and waits for its answer: two thread
    switches and GIL hand-offs, about 0.1-0.3 ms, where an indexed SQLite lookup takes tens of
    microseconds. One connection serves the whole process and Tortoise already runs its
    statements one at a time, so the thread buys no parallelism; running inline, a long query
    holds the event loop for its duration instead of holding only the connection.

    Each statement first yields to the event loop once, as awaiting aiosqlite did: other
    requests get their turn between statements, and an operation past its time limit
    (KOC_EXECUTION_TIMEOUT_SECONDS) is cancelled there.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection

    @property
    def total_changes(self) -> int:
        return self._conn.total_changes

    # Statements run on a cursor() rather than the connection's execute() shortcut: the same in
    # C, and what OpenTelemetry's sqlite3 instrumentation traces (KOC_TRACING).
    def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> _Statement:
        return _Statement(lambda: self._conn.cursor().execute(sql, parameters or ()))

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | None = None
    ) -> list[sqlite3.Row]:
        await asyncio.sleep(0)
        return self._conn.cursor().execute(sql, parameters or ()).fetchall()

    async def execute_insert(self, sql: str, parameters: Iterable[Any] | None = None) -> Any:
        await asyncio.sleep(0)
        cursor = self._conn.cursor().execute(sql, parameters or ())
        cursor.execute("SELECT last_insert_rowid()")
        return cursor.fetchone()

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> _Statement:
        return _Statement(lambda: self._conn.cursor().executemany(sql, parameters))

    def executescript(self, script: str) -> _Statement:
        return _Statement(lambda: self._conn.executescript(script))

    async def create_function(self, name: str, arity: int, function: Callable[..., Any]) -> None:
        self._conn.create_function(name, arity, function)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()


class ServerSqliteClient(SqliteClient):
    """Tortoise's SQLite client whose transactions start with ``BEGIN IMMEDIATE``.

    A plain (deferred) transaction reads first and asks for the write lock at its first write;
    when another process (a second uvicorn worker) committed in between, SQLite refuses at once
    with "database is locked" instead of waiting. Taking the write lock at BEGIN makes a second
    writer wait its turn (up to the connection's 5 s busy timeout). Within one process Tortoise
    already runs one transaction at a time, so nothing changes there.
    """

    @property
    def in_use(self) -> bool:
        """A statement or transaction holds the one connection (for /metrics)."""
        return self._lock.locked()

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(_WriterTransaction(self), self._lock)

    async def create_connection(self, with_db: bool) -> None:
        if self._connection:
            return
        connection = sqlite3.connect(self.filename, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        for pragma, value in self.pragmas.items():
            connection.execute(f"PRAGMA {pragma}={value}").close()
        self._connection = InlineConnection(connection)  # type: ignore[assignment]
        await self._post_connect()
        self.log.debug("Created connection %s with params: filename=%s", connection, self.filename)


# Tortoise takes the client class of an ``engine`` module from here. (Its migrations pick the
# SQL dialect by the client's module name, hence "sqlite" in this module's name.)
client_class = ServerSqliteClient
