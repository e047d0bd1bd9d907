"""What the audience migrations' tests share (surveys/0003, privileges/0003, creators/0003): a
database of the old shape with rows, who each old audience held, every migration run over it,
and who the rules that replaced them hold.

A scenario is a module run as ``python -m <module> DATABASE_URL`` in a process of its own (the
migration tool initialises its own ORM context) that prints one JSON line; ``run_scenario``
gives it a fresh database on the engine under test and returns what it printed.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from tortoise import Tortoise, connections
from tortoise.migrations.api import migrate

from koc.db import APPS, tortoise_config
from koc.wiring import connect_all
from tests.conftest import _create_pg_database, _drop_pg_database

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "koc" / "migrations"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

T = TypeVar("T")


def _scenario(module: str, url: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", module, url],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


async def run_scenario(module: str, tmp_path: Path) -> dict[str, Any]:
    """Run the scenario module over an empty database (PostgreSQL when KOC_TEST_DATABASE_URL is
    set, else SQLite) and return its JSON line."""
    base = os.environ.get("KOC_TEST_DATABASE_URL")
    url = await _create_pg_database(base) if base else f"sqlite://{tmp_path}/old.sqlite3"
    try:
        return _scenario(module, url)
    finally:
        if base:
            await _drop_pg_database(base, url)


class Raw:
    """Plain SQL on either engine: ``?`` placeholders, times as each driver takes them."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres
        self.db = connections.get("default")

    def _params(self, sql: str, params: list[Any]) -> tuple[str, list[Any]]:
        if self.postgres:
            parts = sql.split("?")
            sql = parts[0] + "".join(f"${i}{p}" for i, p in enumerate(parts[1:], 1))
        else:
            params = [p.isoformat(sep=" ") if isinstance(p, datetime) else p for p in params]
        return sql, params

    async def insert(self, sql: str, *params: Any) -> int:
        sql, values = self._params(sql + " RETURNING id", list(params))
        return (await self.db.execute_query_dict(sql, values))[0]["id"]

    async def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        sql, values = self._params(sql, list(params))
        return await self.db.execute_query_dict(sql, values)

    async def json_column(self, sql: str) -> dict[Any, Any]:
        """``SELECT key, value``: the JSON values by key, decoded whatever the driver gives."""
        return {
            row["key"]: json.loads(row["value"]) if isinstance(row["value"], str) else row["value"]
            for row in await self.rows(sql)
        }


async def migrated_with_rows(
    url: str,
    before: str,
    fill: Callable[[Raw], Awaitable[T]],
    read: Callable[[Raw, T], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Migrate every app to its latest migration but ``before``'s app, which stops at
    ``before``; ``fill`` the old shape; run every migration; ``read`` (with what ``fill``
    returned) over the migrated database, the handlers wired."""
    config = tortoise_config(url)
    postgres = not url.startswith("sqlite")
    held_back = before.split(".", 1)[0]
    await migrate(config=config, target=before)
    await Tortoise.close_connections()
    for app in APPS:
        if app == held_back:
            continue
        # its last migration by name: Tortoise's __latest__ names none for an app whose last
        # migration a later one of another app depends on (privileges/0003 on badges/0001), and
        # naming one already applied migrates back to it
        last = max(p.stem for p in (MIGRATIONS / app).glob("0*.py"))
        await Tortoise.init(config=config)
        applied = await connections.get("default").execute_query_dict(
            "SELECT name FROM tortoise_migrations WHERE app = ?"
            if not postgres
            else "SELECT name FROM tortoise_migrations WHERE app = $1",
            [app],
        )
        await Tortoise.close_connections()
        if last not in {row["name"] for row in applied}:
            await migrate(config=config, target=f"{app}.{last}")
            await Tortoise.close_connections()
    await Tortoise.init(config=config)
    filled = await fill(Raw(postgres))
    await Tortoise.close_connections()
    await migrate(config=config)
    await Tortoise.close_connections()
    await Tortoise.init(config=config)
    connect_all()
    try:
        return await read(Raw(postgres), filled)
    finally:
        await Tortoise.close_connections()


def scenario_main(
    before: str,
    fill: Callable[[Raw], Awaitable[T]],
    read: Callable[[Raw, T], Awaitable[dict[str, Any]]],
) -> None:
    """A scenario module's ``__main__``: ``migrated_with_rows`` over the database named by the
    command line, printed as one JSON line."""
    print(json.dumps(asyncio.run(migrated_with_rows(sys.argv[1], before, fill, read))))


@dataclass(frozen=True)
class Facts:
    stages: dict[str, int]
    tags: dict[str, int]
    members: list[int]


# A member of a scenario: (stage code or None, tag names, KOC roles held).
MemberFacts = tuple[str | None, Sequence[str], Sequence[str]]


async def insert_facts(
    raw: Raw, stage_codes: Sequence[str], tag_names: Sequence[str], members: Sequence[MemberFacts]
) -> Facts:
    """Lifecycle stages (in that order), tags of one group, and members on those stages holding
    those tags and KOC roles (kept in both tables the KOC status hook keeps)."""
    stages = {}
    for position, code in enumerate(stage_codes, 1):
        stages[code] = await raw.insert(
            "INSERT INTO lifecycle_stage (code, name, position, description) VALUES (?, ?, ?, '')",
            code,
            code.title(),
            position,
        )
    group = await raw.insert(
        "INSERT INTO tag_group (name, family, exclusive, description, created_at) "
        "VALUES ('Needs', 'CONSUMPTION', FALSE, '', ?)",
        NOW,
    )
    tags = {}
    for name in tag_names:
        tags[name] = await raw.insert(
            "INSERT INTO tag (name, member_visible, description, created_at, group_id) "
            "VALUES (?, FALSE, '', ?, ?)",
            name,
            NOW,
            group,
        )
    ids = []
    for i, (stage, tag_held, roles) in enumerate(members):
        member = await raw.insert(
            "INSERT INTO member (nickname, avatar_url, gender, region, source_channel, "
            "order_count, created_at, stage_id) VALUES (?, '', 'UNKNOWN', '', '', 0, ?, ?)",
            f"m{i}",
            NOW,
            stages.get(stage or ""),
        )
        ids.append(member)
        for name in tag_held:
            await raw.insert(
                "INSERT INTO member_tag (source, cause, created_at, member_id, tag_id) "
                "VALUES ('MANUAL', '', ?, ?, ?)",
                NOW,
                member,
                tags[name],
            )
        for role in roles:
            await raw.insert(
                "INSERT INTO survey_koc_role (role, member_id) VALUES (?, ?)", role, member
            )
            await raw.insert(
                "INSERT INTO badge_member_koc_role (role, member_id, created_at) VALUES (?, ?, ?)",
                role,
                member,
                NOW,
            )
    return Facts(stages, tags, ids)


def same_members(result: dict[str, Any]) -> None:
    """Each audience of ``result["held"]`` holds after the migration whom it held before."""
    for title, held in result["held"].items():
        assert held["before"] == held["after"], title
