"""Migration surveys/0003 turns the survey audiences of before into segment rules that admit
exactly the same members, on a database with rows, on either engine
(tests/surveys/audience_migration.py builds the rows and compares)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import _create_pg_database, _drop_pg_database

ROOT = Path(__file__).resolve().parents[2]


def _scenario(url: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "tests.surveys.audience_migration", url],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


async def test_old_audiences_hold_the_same_members_as_the_rules_they_became(tmp_path):
    # given surveys of every old audience kind (and all kinds at once, everyone, an explicit
    # list) over members with stages, tags, KOC roles and orders in and out of the periods
    base = os.environ.get("KOC_TEST_DATABASE_URL")
    url = await _create_pg_database(base) if base else f"sqlite://{tmp_path}/old.sqlite3"
    try:
        # when every migration runs over them
        result = _scenario(url)
    finally:
        if base:
            await _drop_pg_database(base, url)
    # then each survey's audience holds the same members as before, and none is empty
    for title, held in result["surveys"].items():
        assert held["before"] == held["after"], title
        assert held["before"], title
    assert result["surveys"]["everyone"]["after"] == list(range(1, 9))
    # and the rules say what the rows said; the surveys' other rows are still there
    assert result["rules"]["bought in 2024"] == {
        "orders": {
            "categories": ["vehicle"],
            "from": "2024-01-01T00:00:00+00:00",
            "to": "2025-01-01T00:00:00+00:00",
        }
    }
    assert result["rules"]["every kind"]["all"][0] == {"stage": {"in": ["CUSTOMER"]}}
    assert result["rules"]["everyone"] is None
    assert result["versions"]["after"] == result["versions"]["before"]
