"""The PostgreSQL engine: Tortoise's asyncpg client, keeping the pool it creates in a public
attribute so /metrics can report its use (Tortoise keeps its own reference private).

Tortoise takes the client class of an ``engine`` module from ``client_class``; its migrations
pick the SQL dialect by the client's module name, hence "asyncpg" in this module's name.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient


class PoolKeepingClient(AsyncpgDBClient):
    pool: asyncpg.Pool | None = None

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        self.pool = await super().create_pool(**kwargs)
        return self.pool


client_class = PoolKeepingClient
