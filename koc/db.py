"""Tortoise ORM configuration: one app per feature, each with its own migrations package.

Separate apps keep each feature's migrations independent; cross-app foreign keys name the
app label (``"core.Member"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from koc.settings import get_settings

# label -> model modules. A new feature adds one line here.
APPS: dict[str, list[str]] = {
    "core": ["koc.auth.models", "koc.members.models", "koc.orders.models", "koc.audit.models"],
    "badges": ["koc.badges.models"],
    "privileges": ["koc.privileges.models"],
    "referrals": ["koc.referrals.models"],
    "creators": ["koc.creators.models"],
    "security": ["koc.security.models"],
    "surveys": ["koc.surveys.models"],
}


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for ``database_url`` (``sqlite://PATH`` or ``postgres://...``)."""
    return {
        "connections": {"default": database_url},
        "apps": {
            label: {
                "models": modules,
                "default_connection": "default",
                "migrations": f"migrations.{label}",
            }
            for label, modules in APPS.items()
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def ensure_sqlite_directory(database_url: str) -> None:
    """SQLite cannot create the folder of its file; do it so the default ``./var/`` works."""
    if database_url.startswith("sqlite://"):
        path = database_url.removeprefix("sqlite://").split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def is_postgres(database_url: str) -> bool:
    return database_url.startswith(("postgres://", "postgresql://", "asyncpg://"))


# For the ``tortoise`` command line (makemigrations): ``tortoise -c koc.db.TORTOISE_ORM ...``
TORTOISE_ORM = tortoise_config(get_settings().database_url)


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
