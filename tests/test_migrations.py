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
