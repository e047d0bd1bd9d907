"""Committed migrations match the models, and apply to a database that already holds rows.

Both run in a fresh process: the migration tool initialises its own ORM context, which must not
replace the one the test app is using.
"""

import json
import subprocess
import sys
import textwrap


def _run(script: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def test_models_and_migrations_agree(tmp_path):
    out = _run(
        f"""
        import asyncio
        from koc.db import unmigrated_changes
        print(asyncio.run(unmigrated_changes("sqlite://{tmp_path}/check.sqlite3")))
        """
    )
    assert out == "[]", f"models changed without a migration: {out}"


def test_later_migrations_apply_to_a_database_with_rows(tmp_path):
    db = tmp_path / "rows.sqlite3"
    out = _run(
        f"""
        import asyncio, json, sqlite3
        from tortoise import Tortoise
        from tortoise.migrations.api import migrate
        from koc.db import APPS, tortoise_config

        config = tortoise_config("sqlite://{db}")

        async def main():
            # given only the first app migrated, holding members
            await migrate(config=config, app_labels=["core"])
            await Tortoise.close_connections()
            con = sqlite3.connect("{db}")
            con.executemany(
                'INSERT INTO "member" (nickname, avatar_url, gender, region, source_channel, order_count, created_at)'
                " VALUES (?, '', 'UNKNOWN', '', '', 0, '2026-01-01 00:00:00+00:00')",
                [(f"m{{i}}",) for i in range(50)],
            )
            con.commit()
            con.close()
            # when every migration runs
            await migrate(config=config)
            await Tortoise.close_connections()
            con = sqlite3.connect("{db}")
            count = con.execute('SELECT COUNT(*) FROM "member"').fetchone()[0]
            applied = [r[0] for r in con.execute("SELECT app FROM tortoise_migrations")]
            print(json.dumps({{"members": count, "apps": sorted(set(applied)), "expected": sorted(APPS)}}))

        asyncio.run(main())
        """
    )
    result = json.loads(out)
    # then the rows survive and every app's migrations are recorded
    assert result["members"] == 50
    assert result["apps"] == result["expected"]


def test_every_unique_field_is_unique_in_the_migrated_database(tmp_path):
    # A field declared unique must be refused twice by the database itself (one KOC profile per
    # member, one seat per grant), and the unique index is what serves lookups by that field.
    db = tmp_path / "unique.sqlite3"
    out = _run(
        f"""
        import asyncio, json, sqlite3
        from tortoise import Tortoise
        from tortoise.fields.relational import ForeignKeyFieldInstance
        from tortoise.migrations.api import migrate
        from koc.db import tortoise_config

        async def main():
            await migrate(config=tortoise_config("sqlite://{db}"))
            declared = []
            for app in Tortoise.apps.values():
                for model in app.values():
                    for name, field in model._meta.fields_map.items():
                        if not field.unique or field.pk:
                            continue
                        column = field.source_field or (
                            name + "_id" if isinstance(field, ForeignKeyFieldInstance) else name
                        )
                        declared.append((model._meta.db_table, column))
            await Tortoise.close_connections()
            con = sqlite3.connect("{db}")
            missing = []
            for table, column in declared:
                unique = [
                    [c[2] for c in con.execute(f'PRAGMA index_info("{{index[1]}}")')]
                    for index in con.execute(f'PRAGMA index_list("{{table}}")')
                    if index[2]
                ]
                if [column] not in unique:
                    missing.append(f"{{table}}.{{column}}")
            print(json.dumps(sorted(missing)))

        asyncio.run(main())
        """
    )
    assert out == "[]", f"declared unique but not unique in the database: {out}"
