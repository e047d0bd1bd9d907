"""The database connection: SQLite runs as a server database (WAL, synchronous=NORMAL, and
transactions that take the write lock when they begin)."""

import sqlite3

import pytest
from tortoise.connection import connections
from tortoise.transactions import in_transaction

from koc.db import tortoise_config
from koc.members.models import Member


def test_sqlite_gets_the_server_pragmas_and_the_url_can_override_them():
    default = tortoise_config("sqlite://./var/x.sqlite3")["connections"]["default"]
    assert default["engine"] == "koc.sqlite"
    assert default["credentials"]["journal_mode"] == "WAL"
    assert default["credentials"]["synchronous"] == "NORMAL"
    full = tortoise_config("sqlite://./var/x.sqlite3?synchronous=FULL")["connections"]["default"]
    assert full["credentials"]["synchronous"] == "FULL"
    postgres = "postgres://postgres@127.0.0.1:5432/koc"
    pg = tortoise_config(postgres)["connections"]["default"]
    assert pg["engine"] == "koc.asyncpg_engine"
    assert pg["credentials"]["database"] == "koc" and pg["credentials"]["port"] == 5432


def _sqlite_path(database_url: str) -> str:
    if not database_url.startswith("sqlite://"):
        pytest.skip("PostgreSQL has no pragmas and locks rows, not the database")
    return database_url.removeprefix("sqlite://")


async def test_the_running_sqlite_connection_uses_them(app, database_url):
    _sqlite_path(database_url)
    db = connections.get("default")
    assert await db.execute_query_dict("PRAGMA synchronous") == [{"synchronous": 1}]  # NORMAL
    assert await db.execute_query_dict("PRAGMA journal_mode") == [{"journal_mode": "wal"}]
    assert await db.execute_query_dict("PRAGMA cache_size") == [{"cache_size": -65536}]  # 64 MB


async def test_a_transaction_holds_the_write_lock_from_its_start(app, database_url):
    # Another process (a second worker) writing between this transaction's read and its
    # write would make that write fail with "database is locked"; instead the other writer
    # finds the lock taken and waits its turn (here: fails at once, with no busy timeout).
    other = sqlite3.connect(_sqlite_path(database_url), timeout=0, isolation_level=None)
    try:
        async with in_transaction():
            assert not await Member.exists(nickname="first")
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute(
                    "INSERT INTO member (nickname, avatar_url, gender, region, "
                    "source_channel, order_count, created_at) "
                    "VALUES ('other', '', 'UNKNOWN', '', '', 0, '2026-01-01')"
                )
            await Member.create(nickname="first")
        other.execute("UPDATE member SET nickname = 'later' WHERE nickname = 'first'")
    finally:
        other.close()
    assert await Member.filter(nickname="later").count() == 1
