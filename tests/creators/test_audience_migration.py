"""Migration creators/0003 turns each campaign's stage and tag audience rows into the segment
rule that holds exactly the same members, on a database with rows, on either engine
(tests/creators/audience_migration.py builds the rows and compares)."""

from __future__ import annotations

from tests.audience_migration import run_scenario, same_members


async def test_old_campaign_audiences_hold_the_same_members_as_the_rules_they_became(tmp_path):
    # given running campaigns for everyone, for stages, for tags, for both, and one whose
    # listed stages are gone, over members on stages holding tags
    # when every migration runs over them
    result = await run_scenario("tests.creators.audience_migration", tmp_path)
    # then each campaign is open to the same members as before
    same_members(result)
    held = result["held"]
    assert held["everyone"]["after"] == [1, 2, 3, 4, 5, 6]
    assert held["stages and tags"]["after"] == [1]
    assert held["stages gone"]["after"] == []
    # and the rules say what the rows said; the participants are still there
    tags = result["tags"]
    assert result["rules"]["everyone"] is None
    assert result["rules"]["stages and tags"] == {
        "all": [{"stage": {"in": ["CUSTOMER"]}}, {"tags": {"any": [tags["vip"]]}}]
    }
    assert result["participants"] == 1
