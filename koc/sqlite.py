"""The SQLite engine of koc: Tortoise's SQLite client, with writer transactions, running
SQLite on the event loop's thread, and waiting for another process's write lock without
holding the loop; long reads (reports) on a read-only connection of their own, on a thread;
whole reports (their SQL, the rows made objects, the GraphQL answer) on an event loop of
their own, on the report thread."""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import quote

from tortoise.backends.base.client import ConnectionWrapper, TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.connection import get_connections
from tortoise.exceptions import TransactionManagementError

from koc.dbfaults import DatabaseBusy

T = TypeVar("T")
# How long a statement waits for another process's write lock by default (the busy_timeout of
# KOC_DATABASE_URL, in milliseconds, overrides it), and the longest pause between two tries.
DEFAULT_BUSY_TIMEOUT_MS = 5000
MAX_PAUSE = 0.05


class _WriterTransaction(SqliteTransactionWrapper):
    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


# Tortoise takes its client's lock, then opens the connection (and, for a transaction, begins it)
# without releasing the lock when that fails: after one failure (a file that cannot be opened,
# the write lock held past busy_timeout) every later statement of the process would wait for the
# lock forever. These two release it.


class _Connection(ConnectionWrapper):
    async def __aenter__(self) -> Any:
        await self._lock.acquire()
        try:
            await self.ensure_connection()
        except BaseException:
            self._lock.release()
            raise
        return self.connection


class _Transaction(SqliteTransactionContext):
    async def __aenter__(self) -> Any:
        await self._trxlock.acquire()
        try:
            await self.ensure_connection()
            self.token = get_connections().set(self.connection_name, self.connection)
            try:
                await self.connection.begin()
            except BaseException:
                get_connections().reset(self.token)
                raise
        except BaseException:
            self._trxlock.release()
            raise
        return self.connection


class _Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def close(self) -> None:
        self._cursor.close()


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY


async def run_when_unlocked(work: Callable[[], T], busy_timeout: float) -> T:
    """``work()`` (one sqlite3 call), retried while another connection holds the write lock,
    pausing on the event loop (1 ms, doubling to 50 ms, as SQLite's own busy handler does).

    SQLite's busy handler would wait inside the call, and so on the loop's thread: every request
    of the process, /healthz and the execution time limit would stop meanwhile. A statement
    refused with SQLITE_BUSY did nothing, so it is safe to run again. Past ``busy_timeout``
    seconds the caller gets ``DatabaseBusy``, which the API answers with a retryable 503.
    """
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    deadline = None
    pause = 0.001
    while True:
        try:
            return work()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
            now = loop.time()
            deadline = deadline or now + busy_timeout
            if now >= deadline:
                raise DatabaseBusy(
                    f"SQLite's write lock stayed taken for {busy_timeout:g} s"
                ) from exc
            await asyncio.sleep(min(pause, deadline - now))
            pause = min(pause * 2, MAX_PAUSE)


class _Statement:
    """What aiosqlite's ``execute`` gives: awaited, a cursor; or ``async with`` one."""

    def __init__(self, run: Callable[[], sqlite3.Cursor], busy_timeout: float) -> None:
        self._run = run
        self._busy_timeout = busy_timeout
        self._cursor: _Cursor | None = None

    async def _cursor_now(self) -> _Cursor:
        return _Cursor(await run_when_unlocked(self._run, self._busy_timeout))

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
    (KOC_EXECUTION_TIMEOUT_SECONDS) is cancelled there. A statement that finds the write lock
    taken by another process waits for it on the loop (``run_when_unlocked``).
    """

    def __init__(self, connection: sqlite3.Connection, busy_timeout: float) -> None:
        self._conn = connection
        self._busy_timeout = busy_timeout

    @property
    def total_changes(self) -> int:
        return self._conn.total_changes

    # Statements run on a cursor() rather than the connection's execute() shortcut: the same in
    # C, and what OpenTelemetry's sqlite3 instrumentation traces (KOC_TRACING).
    def _statement(self, run: Callable[[sqlite3.Cursor], sqlite3.Cursor]) -> _Statement:
        return _Statement(lambda: run(self._conn.cursor()), self._busy_timeout)

    def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> _Statement:
        return self._statement(lambda c: c.execute(sql, parameters or ()))

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | None = None
    ) -> list[sqlite3.Row]:
        cursor = await self._statement(lambda c: c.execute(sql, parameters or ()))
        return await cursor.fetchall()

    async def execute_insert(self, sql: str, parameters: Iterable[Any] | None = None) -> Any:
        await self._statement(lambda c: c.execute(sql, parameters or ()))
        return self._conn.cursor().execute("SELECT last_insert_rowid()").fetchone()

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> _Statement:
        # Tortoise runs executemany inside a transaction: a refusal comes at the first write.
        return self._statement(lambda c: c.executemany(sql, parameters))

    def executescript(self, script: str) -> _Statement:
        # A script (schema changes, by migrations, not requests) may be refused halfway; it
        # waits for the lock inside SQLite instead, blocking like any command-line tool.
        return self._statement(lambda _cursor: self._blocking_script(script))

    def _blocking_script(self, script: str) -> sqlite3.Cursor:
        wait = f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}"
        self._conn.execute(wait)
        try:
            return self._conn.executescript(script)
        finally:
            self._conn.execute("PRAGMA busy_timeout = 0")

    async def create_function(self, name: str, arity: int, function: Callable[..., Any]) -> None:
        self._conn.create_function(name, arity, function)

    async def commit(self) -> None:
        # In WAL mode a COMMIT is not refused for a lock; when it is, it may be retried.
        await run_when_unlocked(self._conn.commit, self._busy_timeout)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self._conn.close()


class ThreadedReadConnection(InlineConnection):
    """A read-only connection whose queries run on a worker thread of their own.

    A long scan (a report over every response of a survey) run inline would hold the event
    loop, and with it every other request of the process, for its whole duration. Here SQLite
    steps through it on the worker thread with the GIL released, and the loop goes on serving
    meanwhile. Only reads come here (the connection is opened read-only): in WAL mode a
    reader neither waits for the writer nor holds it up.
    """

    def __init__(self, connection: sqlite3.Connection, busy_timeout: float) -> None:
        super().__init__(connection, busy_timeout)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="koc-sqlite-read")

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] | None = None
    ) -> list[sqlite3.Row]:
        def run() -> list[sqlite3.Row]:
            return self._conn.cursor().execute(sql, parameters or ()).fetchall()

        return await asyncio.get_running_loop().run_in_executor(self._thread, run)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._conn.close)
        self._thread.shutdown(wait=False)


class ReadOnlySqliteClient(SqliteClient):
    """The read connection of a ``ServerSqliteClient``: same file, read-only, on a thread
    (``threaded``), or inline on the thread that runs it (the report thread's own)."""

    def __init__(
        self, file_path: str, busy_timeout: float, threaded: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(file_path, **kwargs)
        self.busy_timeout = busy_timeout
        self.threaded = threaded

    async def create_connection(self, with_db: bool) -> None:
        if self._connection:
            return
        # A URL's path may start with two slashes (``sqlite:////var/koc.db``), which a file:
        # URI would read as a host name: one slash names the same file.
        path = self.filename
        if path.startswith("/"):
            path = "/" + path.lstrip("/")
        uri = f"file:{quote(path)}?mode=ro"
        connection = sqlite3.connect(
            uri, uri=True, isolation_level=None, check_same_thread=False, timeout=0
        )
        connection.row_factory = sqlite3.Row
        # Blocking is fine on the reader's own thread: let SQLite wait for a lock itself.
        connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}").close()
        if "cache_size" in self.pragmas:
            connection.execute(f"PRAGMA cache_size = {self.pragmas['cache_size']}").close()
        kind = ThreadedReadConnection if self.threaded else InlineConnection
        self._connection = kind(connection, self.busy_timeout)  # type: ignore[assignment]
        await self._post_connect()


# The event loop of the request a report thread runs for, seen from that thread: writes a
# report must make (an access record of an unmasked read) go back there (``on_home_loop``).
_home: contextvars.ContextVar[tuple[asyncio.AbstractEventLoop, contextvars.Context] | None] = (
    contextvars.ContextVar("koc_report_home", default=None)
)


class ReportThread:
    """An event loop on a thread of its own, with a read-only connection of its own, where
    whole reports run: their statements, the rows made objects and the GraphQL answer built
    from them.

    ``long_reads`` takes a report's statements off the event loop, but at a million members
    most of a report's time is Python: rows made objects, thousands of fields of the answer
    completed by graphql-core. Run on the serving loop, that holds every other request of the
    process for as long. Here it holds only this thread; the serving loop takes the GIL back
    every switch interval (5 ms) and SQLite's own work runs with the GIL released. Reports
    share this loop (their statements take turns on its one connection), each in a copy of its
    request's context (logs, traces, the viewer), with this thread's read connection as the
    default connection. Only reads come here: a report that must write (an access record)
    hands the write back to the serving loop (``on_home_loop``).
    """

    def __init__(self, reader: ReadOnlySqliteClient) -> None:
        self.reader = reader
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._start:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=loop.run_forever, name="koc-report", daemon=True
                )
                self._thread.start()
                self._loop = loop
            return self._loop

    async def run(self, make: Callable[[], Awaitable[T]]) -> T:
        """``await make()`` on the report thread, with its read connection as the default
        connection; cancelling the caller cancels it there."""
        home = asyncio.get_running_loop()
        request_context, home_context = contextvars.copy_context(), contextvars.copy_context()
        reader = self.reader

        async def there() -> T:
            get_connections().set("default", reader)
            _home.set((home, home_context))
            return await make()

        async def start() -> T:
            # The task runs in the request's context (copied), not in the thread's own.
            task = asyncio.get_running_loop().create_task(there(), context=request_context)
            return await task

        done = asyncio.run_coroutine_threadsafe(start(), self._running_loop())
        return await asyncio.wrap_future(done)

    def close(self) -> None:
        if self._loop is not None:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
            loop.call_soon_threadsafe(loop.stop)
            assert thread is not None
            thread.join()
            loop.close()


async def on_home_loop(make: Callable[[], Awaitable[T]]) -> T:
    """``await make()`` on the serving event loop, in the request's context: from a report
    thread (``ReportThread``), whose connection is read-only, a write goes back to the
    process's writer; anywhere else it simply runs."""
    home = _home.get()
    if home is None or home[0] is asyncio.get_running_loop():
        return await make()
    loop, context = home

    async def start() -> T:
        return await loop.create_task(_as_coroutine(make), context=context.copy())

    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(start(), loop))


async def _as_coroutine(make: Callable[[], Awaitable[T]]) -> T:
    return await make()


class ServerSqliteClient(SqliteClient):
    """Tortoise's SQLite client whose transactions start with ``BEGIN IMMEDIATE``.

    A plain (deferred) transaction reads first and asks for the write lock at its first write;
    when another process (a second uvicorn worker) committed in between, SQLite refuses at once
    with "database is locked" instead of waiting. Taking the write lock at BEGIN makes a second
    writer wait its turn (up to the ``busy_timeout`` of the URL, 5 s by default, waiting on the
    event loop, see ``InlineConnection``). Within one process Tortoise already runs one
    transaction at a time, so nothing changes there.
    """

    def __init__(self, file_path: str, **kwargs: Any) -> None:
        super().__init__(file_path, **kwargs)
        # Not a pragma: SQLite's own busy handler stays off (0) and koc waits instead.
        self.busy_timeout = int(self.pragmas.pop("busy_timeout", DEFAULT_BUSY_TIMEOUT_MS)) / 1000
        self.read_client: ReadOnlySqliteClient | None = None
        self.report_thread: ReportThread | None = None

    @property
    def on_file(self) -> bool:
        """Whether the database is a file a second connection (or process) can open, not an
        in-memory database."""
        return self.filename != ":memory:" and "mode=memory" not in self.filename

    def _read_only(self, threaded: bool) -> ReadOnlySqliteClient | None:
        """A new read-only connection to this file; None for an in-memory database, which no
        second connection can see."""
        if not self.on_file:
            return None
        return ReadOnlySqliteClient(
            self.filename,
            self.busy_timeout,
            threaded=threaded,
            connection_name=self.connection_name,
            cache_size=self.pragmas.get("cache_size", -2000),
        )

    def reader(self) -> ReadOnlySqliteClient | None:
        """The read connection of long reads (``koc.db.long_reads``), made on first use; None
        for an in-memory database."""
        if self.read_client is None:
            self.read_client = self._read_only(threaded=True)
        return self.read_client

    def reports(self) -> ReportThread | None:
        """The thread where whole reports run (``koc.db.off_loop``), with a read connection of
        its own, made on first use; None for an in-memory database."""
        if self.report_thread is None:
            reader = self._read_only(threaded=False)
            self.report_thread = ReportThread(reader) if reader is not None else None
        return self.report_thread

    async def close(self) -> None:
        if self.read_client is not None:
            await self.read_client.close()
            self.read_client = None
        if self.report_thread is not None:
            thread, self.report_thread = self.report_thread, None
            if thread.reader._connection is not None:
                await thread.run(thread.reader.close)
            thread.close()
        await super().close()

    def acquire_connection(self) -> ConnectionWrapper:
        return _Connection(self._lock, self)

    @property
    def in_use(self) -> bool:
        """A statement or transaction holds the one connection (for /metrics)."""
        return self._lock.locked()

    def _in_transaction(self) -> TransactionContext:
        return _Transaction(_WriterTransaction(self), self._lock)

    async def create_connection(self, with_db: bool) -> None:
        if self._connection:
            return
        connection = sqlite3.connect(
            self.filename, isolation_level=None, check_same_thread=False, timeout=0
        )
        connection.row_factory = sqlite3.Row
        for pragma, value in self.pragmas.items():
            connection.execute(f"PRAGMA {pragma}={value}").close()
        self._connection = InlineConnection(connection, self.busy_timeout)  # type: ignore[assignment]
        await self._post_connect()
        self.log.debug("Created connection %s with params: filename=%s", connection, self.filename)


# Tortoise takes the client class of an ``engine`` module from here. (Its migrations pick the
# SQL dialect by the client's module name, hence "sqlite" in this module's name.)
client_class = ServerSqliteClient
