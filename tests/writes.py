"""Counting the rows written to every table, on either engine: a trigger on each table adds one
to a counter for every row inserted, updated or deleted, and a rolled-back write rolls its count
back with it. For tests that must prove a refused request wrote nothing."""

from __future__ import annotations

from tortoise import Tortoise
from tortoise.connection import connections

from koc.db import on_postgres

COUNTER = "koc_test_writes"


def _tables() -> list[str]:
    return [m._meta.db_table for models in Tortoise.apps.values() for m in models.values()]


class WriteCounter:
    async def install(self) -> None:
        db = connections.get("default")
        script = [
            f'CREATE TABLE "{COUNTER}" (n BIGINT NOT NULL)',
            f'INSERT INTO "{COUNTER}" VALUES (0)',
        ]
        if on_postgres():
            script.append(
                "CREATE FUNCTION koc_test_count_write() RETURNS trigger LANGUAGE plpgsql AS "
                f'$$ BEGIN UPDATE "{COUNTER}" SET n = n + 1; RETURN NULL; END $$'
            )
            script += [
                f'CREATE TRIGGER "{COUNTER}_{t}" AFTER INSERT OR UPDATE OR DELETE ON "{t}" '
                "FOR EACH ROW EXECUTE FUNCTION koc_test_count_write()"
                for t in _tables()
            ]
        else:
            script += [
                f'CREATE TRIGGER "{COUNTER}_{t}_{event}" AFTER {event} ON "{t}" '
                f'BEGIN UPDATE "{COUNTER}" SET n = n + 1; END'
                for t in _tables()
                for event in ("INSERT", "UPDATE", "DELETE")
            ]
        await db.execute_script(";\n".join(script))

    async def count(self) -> int:
        _, rows = await connections.get("default").execute_query(f'SELECT n FROM "{COUNTER}"')
        return int(rows[0][0])

    async def remove(self) -> None:
        db = connections.get("default")
        if on_postgres():
            await db.execute_script(
                f'DROP TABLE "{COUNTER}"; DROP FUNCTION koc_test_count_write() CASCADE'
            )
        else:
            triggers = [
                f'DROP TRIGGER "{COUNTER}_{t}_{event}"'
                for t in _tables()
                for event in ("INSERT", "UPDATE", "DELETE")
            ]
            await db.execute_script(";\n".join([*triggers, f'DROP TABLE "{COUNTER}"']))
