"""Telling a database that cannot answer now from a bug: callers get a retryable 503 with a code
instead of a masked "Internal server error."."""

from __future__ import annotations

import socket
import sqlite3

import asyncpg.exceptions as pg

DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
DATABASE_BUSY = "DATABASE_BUSY"
FAULT_MESSAGES = {
    DATABASE_UNAVAILABLE: "The database is unavailable; retry later.",
    DATABASE_BUSY: "The database is busy with another writer; retry shortly.",
}
RETRY_AFTER_SECONDS = 1

# SQLite's primary result codes for a file that cannot be opened or read or written.
SQLITE_UNAVAILABLE = {sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL}
UNAVAILABLE = (
    # A refused or reset socket, and tortoise's DBConnectionError.
    ConnectionError,
    # A database host whose name does not resolve.
    socket.gaierror,
    pg.PostgresConnectionError,  # the connection failed or was lost
    pg.OperatorInterventionError,  # the server is starting up or shutting down
    pg.TooManyConnectionsError,
    pg.InterfaceError,  # asyncpg's own: e.g. the pool was closed under a request
)


class DatabaseBusy(Exception):
    """Another process held SQLite's write lock for longer than koc may wait for it (the
    ``busy_timeout`` of ``KOC_DATABASE_URL``). Retrying later succeeds."""


def database_fault(exc: BaseException) -> str | None:
    """``DATABASE_BUSY`` or ``DATABASE_UNAVAILABLE`` when ``exc``, or an exception it was
    raised from, says the database cannot answer now; None for anything else."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, DatabaseBusy):
            return DATABASE_BUSY
        if isinstance(cause, sqlite3.OperationalError):
            code = getattr(cause, "sqlite_errorcode", None)
            if code is not None and code & 0xFF in SQLITE_UNAVAILABLE:
                return DATABASE_UNAVAILABLE
        if isinstance(cause, UNAVAILABLE):
            return DATABASE_UNAVAILABLE
        cause = cause.__cause__ or cause.__context__
    return None
