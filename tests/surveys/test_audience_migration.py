"""Migration surveys/0003 turns the survey audiences of before into segment rules that admit
exactly the same members, on a database with rows, on either engine
(tests/surveys/audience_migration.py builds the rows and compares)."""

from __future__ import annotations

from tests.audience_migration import run_scenario, same_members


async def test_old_audiences_hold_the_same_members_as_the_rules_they_became(tmp_path):
    # given surveys of every old audience kind (and all kinds at once, everyone, an explicit
    # list) over members with stages, tags, KOC roles and orders in and out of the periods
    # when every migration runs over them
    result = await run_scenario("tests.surveys.audience_migration", tmp_path)
    # then each survey's audience holds the same members as before, and none is empty
    same_members(result)
    for title, held in result["held"].items():
        assert held["before"], title
    assert result["held"]["everyone"]["after"] == list(range(1, 9))
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
