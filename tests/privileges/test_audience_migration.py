"""Migration privileges/0003 turns each privilege's eligibility conditions into the segment rule
that admits exactly the same members, on a database with rows, on either engine
(tests/privileges/audience_migration.py builds the rows and compares)."""

from __future__ import annotations

from tests.audience_migration import run_scenario, same_members


async def test_old_eligibility_admits_the_same_members_as_the_rule_it_became(tmp_path):
    # given privileges with ANY and ALL conditions over roles (the any-role marker too), stages,
    # badges (one revoked) and tags, and one with no condition, over members with those facts
    # when every migration runs over them
    result = await run_scenario("tests.privileges.audience_migration", tmp_path)
    # then each privilege admits the same members as before
    same_members(result)
    assert result["held"]["ANY_ROLE"]["after"] == [2, 3, 5]
    assert result["held"]["ALL_MIXED"]["after"] == [5]
    # and the rules say what the conditions said; staff-only stays without audience
    tags = result["tags"]
    assert result["rules"]["ANY_ROLE"] == {
        "koc": {"roles": ["CONTENT", "CO_CREATION", "EXPERIENCE"]}
    }
    assert result["rules"]["ALL_TAGS"] == {"tags": {"all": [tags["vip"], tags["owner"]]}}
    assert result["rules"]["EVERY_KIND_ANY"] == {
        "any": [
            {"koc": {"roles": ["CO_CREATION"]}},
            {"stage": {"in": ["KOC"]}},
            {"badges": {"any": ["SILVER"]}},
            {"tags": {"any": [tags["owner"]]}},
        ]
    }
    assert result["rules"]["STAFF_ONLY"] is None
    # and the grants are still there (dropping the columns rebuilt no table)
    assert result["grants"] == 1
