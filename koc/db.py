"""Tortoise ORM configuration: one app per feature, each with its own migrations package.

Separate apps keep each feature's migrations independent; cross-app foreign keys name the
app label (``"core.Member"``).
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from enum import Enum
from typing import Any, TypeVar

from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import connections, get_connections
from tortoise.models import Model

from koc.settings import DEFAULT_DATABASE_URL, get_settings, sqlite_path
from koc.sqlite import ServerSqliteClient
from koc.sqlite import on_home_loop as on_home_loop  # a report's writes, for the features

T = TypeVar("T")

# label -> model modules. A new feature adds one line here.
APPS: dict[str, list[str]] = {
    "core": ["koc.auth.models", "koc.members.models", "koc.orders.models", "koc.audit.models"],
    "badges": ["koc.badges.models"],
    "privileges": ["koc.privileges.models"],
    "referrals": ["koc.referrals.models"],
    "creators": ["koc.creators.models"],
    "security": ["koc.security.models"],
    "surveys": ["koc.surveys.models"],
    "consent": ["koc.consent.models"],
    "privacy": ["koc.privacy.models"],
    "livecodes": ["koc.livecodes.models"],
    "advisory": ["koc.advisory.models"],
    "notifications": ["koc.notifications.models"],
    "worker": ["koc.worker.models"],
    "events": ["koc.events.models"],
    "segments": ["koc.segments.models"],
    "webhooks": ["koc.webhooks.models"],
}


# Tortoise opens SQLite in WAL mode. Its default synchronous=FULL makes every commit wait for
# an fsync of the WAL, which is most of the time of a single-order request. NORMAL syncs at
# checkpoints only: a commit still survives a crash of the process, and the file is never
# corrupted; an OS crash or power loss can lose the last commits before the checkpoint (the
# usual trade for a WAL server database). A ``?synchronous=FULL`` on the URL still wins.
# SQLite's default page cache is 2 MB; at a million members an order batch updates index pages
# all over the member and signals tables, so each worker keeps 64 MB of pages (the seeded 1M
# database: signals updates of a batch 270 -> 170 ms). ``?cache_size=...`` on the URL wins.
SQLITE_PRAGMAS = {"synchronous": "NORMAL", "cache_size": "-65536"}


def connection_config(database_url: str) -> str | dict[str, Any]:
    """The ``default`` connection: koc's engine for the URL (see koc.sqlite and
    koc.asyncpg_engine), with SQLite's pragmas."""
    config = expand_db_url(database_url)
    if not database_url.startswith("sqlite://"):
        config["engine"] = "koc.asyncpg_engine"  # keeps its pool where /metrics reads it
        return config
    config["engine"] = "koc.sqlite"  # transactions that take the write lock at BEGIN
    for pragma, value in SQLITE_PRAGMAS.items():
        config["credentials"].setdefault(pragma, value)
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for ``database_url`` (``sqlite://PATH`` or ``postgres://...``)."""
    return {
        "connections": {"default": connection_config(database_url)},
        "apps": {
            label: {
                "models": modules,
                "default_connection": "default",
                "migrations": f"koc.migrations.{label}",
            }
            for label, modules in APPS.items()
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def ensure_sqlite_directory(database_url: str) -> None:
    """SQLite cannot create the folder of its file: create the default ``./var/`` so a fresh
    clone works. (Settings refuse any other SQLite path whose folder is missing.)"""
    if database_url == DEFAULT_DATABASE_URL:
        sqlite_path(database_url).parent.mkdir(parents=True, exist_ok=True)


@functools.cache
def table_of(model: type[Model]) -> tuple[str, list[dict[str, Any]]]:
    """The table of ``model`` and its columns, the primary key first, as Tortoise's public
    ``describe`` tells them (``name``, ``db_column``, ``python_type``, ``nullable``, ...)."""
    described = model.describe(serializable=False)
    return described["table"], [described["pk_field"], *described["data_fields"]]


def db_value(value: Any) -> Any:
    """A value as the drivers take it: an enum member by its value (datetimes and numbers as
    they are)."""
    return value.value if isinstance(value, Enum) else value


async def update_rows(rows: Sequence[Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of each row (all of one model) back by primary key, in one round trip.

    One prepared ``UPDATE ... WHERE pk = ?`` run for every row (executemany): linear in the
    rows, where ``bulk_update``'s ``CASE WHEN pk = ...`` costs rows x rows and takes longer to
    build than to run."""
    if not rows:
        return
    table, columns = table_of(type(rows[0]))
    column_of = {c["name"]: c["db_column"] for c in columns}
    assignments = ", ".join(f'"{column_of[f]}" = ?' for f in fields)
    sql = _for_engine(f'UPDATE "{table}" SET {assignments} WHERE "{columns[0]["db_column"]}" = ?')
    await connections.get("default").execute_many(
        sql, [[db_value(getattr(row, f)) for f in fields] + [row.pk] for row in rows]
    )


@asynccontextmanager
async def long_reads() -> AsyncIterator[None]:
    """Within the block, this task's statements go to the SQLite file's read-only connection,
    answered on a thread of its own (``koc.sqlite.ThreadedReadConnection``): a report's long
    scan no longer holds the event loop, and so every other request of the process, for its
    duration. For reads only. Elsewhere nothing changes: PostgreSQL's driver never holds the
    loop, and inside a transaction the reads must see its writes."""
    current = connections.get("default")
    reader = current.reader() if isinstance(current, ServerSqliteClient) else None
    if reader is None:
        yield
        return
    token = get_connections().set("default", reader)
    try:
        yield
    finally:
        get_connections().reset(token)


async def off_loop(make: Callable[[], Awaitable[T]]) -> T:
    """``await make()`` (a whole report: its reads and the answer built from them) on SQLite's
    report thread, an event loop of its own with a read-only connection
    (``koc.sqlite.ReportThread``), so that the Python of a big report, not only its SQL,
    leaves the serving loop. A write it must make goes back through ``on_home_loop``.
    Elsewhere it runs here: on PostgreSQL statements never hold the loop (the driver's pool
    belongs to this loop), an in-memory database has no second connection, and inside a
    transaction the reads must see its writes."""
    current = connections.get("default")
    thread = current.reports() if isinstance(current, ServerSqliteClient) else None
    if thread is None:
        return await make()
    return await thread.run(make)


def reports_may_leave_process() -> bool:
    """Whether another process could run a whole report here (``koc.graphql.reportproc``): on a
    SQLite file, outside a transaction. Not on PostgreSQL, where the report runs in place
    (``off_loop``), nor on an in-memory database, which no other process can open."""
    current = connections.get("default")
    return isinstance(current, ServerSqliteClient) and current.on_file


def on_postgres() -> bool:
    """Whether the default connection (the transaction's, inside one) is PostgreSQL."""
    return connections.get("default").capabilities.dialect == "postgres"


def _for_engine(sql: str, client: Any = None) -> str:
    """``sql`` written with ``?`` placeholders, for the engine of ``client`` (by default the
    default connection)."""
    client = client or connections.get("default")
    if client.capabilities.dialect == "postgres":
        return _numbered(sql)
    return sql


@functools.lru_cache(maxsize=256)
def _numbered(sql: str) -> str:
    """``sql`` with ``$1, $2, ...`` for its ``?`` placeholders. Cached: the hot statements are
    a few fixed texts (batch sizes are padded to powers of two, koc.rows.fetch_by_keys)."""
    counter = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


async def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` written with ``?`` placeholders as tuples, on either engine."""
    client = connections.get("default")
    _, rows = await client.execute_query(_for_engine(sql, client), list(params))
    return [tuple(r) for r in rows]


async def query_rows(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows of ``sql`` written with ``?`` placeholders, on either engine, on the connection of
    the current transaction if any."""
    client = connections.get("default")
    return list(await client.execute_query_dict(_for_engine(sql, client), params))


async def execute(sql: str, params: list[Any]) -> None:
    """Run a statement written with ``?`` placeholders, on either engine."""
    client = connections.get("default")
    await client.execute_query(_for_engine(sql, client), params)


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgres://", "postgresql://", "asyncpg://"))


def __getattr__(name: str) -> Any:
    # TORTOISE_ORM is for the ``tortoise`` command line (``tortoise -c koc.db.TORTOISE_ORM
    # makemigrations``). It is made when that asks for it, not when koc.db is imported: a bad
    # setting must reach koc's own commands, which report it in one line.
    if name == "TORTOISE_ORM":
        return tortoise_config(get_settings().database_url)
    raise AttributeError(name)


async def unmigrated_changes(database_url: str) -> list[str]:
    """Names of the migrations ``makemigrations`` would write now: empty when the committed
    migrations describe the models exactly."""
    from tortoise.context import TortoiseContext
    from tortoise.migrations.autodetector import MigrationAutodetector

    config = tortoise_config(database_url)
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    return [f"{w.app_label}.{w.name}" for w in writers]
