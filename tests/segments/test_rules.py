"""The rule language, pure: shapes accepted, every problem named by its path in the tree, the
facts a rule reads, and tag rules that would trigger one another."""

import pytest

from koc.errors import DomainErrors
from koc.segments import rules as r
from koc.segments.layering import find_loop


def problems(data):
    with pytest.raises(DomainErrors) as caught:
        r.parse_rule(data)
    return {(e.field, e.code.value) for e in caught.value.errors}


def test_a_nested_rule_over_every_fact_parses():
    # given a rule using every connective and every fact
    data = {
        "all": [
            {"tags": {"all": [1], "none": [2]}},
            {"any": [{"stage": {"in": ["INTENT"]}}, {"stage": {"atLeast": "CUSTOMER"}}]},
            {"not": {"koc": {"statuses": ["RETIRED"]}}},
            {"badges": {"any": ["GOLD"]}},
            {"orders": {"countAtLeast": 2, "amountAtLeastCents": 100, "withinDays": 30}},
            {"events": {"kind": "TEST_DRIVE", "countAtLeast": 2, "withinDays": 30}},
            {"referrals": {"convertedAtLeast": 1}},
            {"survey": {"optionIds": [7]}},
            {"region": {"in": ["Shanghai"]}},
            {"sourceChannel": {"in": ["wecom"]}},
            {"created": {"from": "2026-01-01T00:00:00+00:00"}},
            {"lastActive": {"withinDays": 7}},
        ]
    }
    # when it is parsed, then the tree says what was written
    rule = r.parse_rule(data)
    assert isinstance(rule, r.All) and len(rule.rules) == 12
    assert rule.rules[5] == r.Events("TEST_DRIVE", 2, r.Window(within_days=30))
    assert r.facts_read(rule) == {
        "tags",
        "stage",
        "koc",
        "badges",
        "orders",
        "events",
        "referrals",
        "survey",
        "profile",
    }
    assert r.tags_read(rule) == {1, 2}
    assert r.has_relative_window(rule)


def test_a_bad_value_deep_in_the_tree_is_named_by_its_path():
    data = {
        "any": [
            {"tags": {"any": [1]}},
            {"region": {"in": ["x"]}},
            {"events": {"kind": "TEST_DRIVE", "withinDays": 0}},
        ]
    }
    assert problems(data) == {("rule.any[2].events.withinDays", "INVALID_RULE")}


def test_every_problem_is_reported_at_once():
    data = {
        "all": [
            {"tags": {"any": [1]}, "region": {"in": ["x"]}},  # two branches set
            {"events": {"kind": "NOT_A_KIND"}},
            {"orders": {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}},
            {"not": {"stage": {}}},
            {"any": []},
            {"colour": {"in": ["red"]}},
        ]
    }
    assert problems(data) == {
        ("rule.all[0]", "INVALID_RULE"),
        ("rule.all[1].events.kind", "INVALID_RULE"),
        ("rule.all[2].orders.to", "INVALID_RULE"),
        ("rule.all[3].not.stage", "INVALID_RULE"),
        ("rule.all[4].any", "INVALID_RULE"),
        ("rule.all[5].colour", "INVALID_RULE"),
    }


def test_limits_on_depth_size_and_values():
    deep = {"tags": {"any": [1]}}
    for _ in range(r.MAX_DEPTH):
        deep = {"not": deep}
    assert any("nest" in e.message for e in _errors(deep))
    wide = {"any": [{"tags": {"any": [1]}}] * (r.MAX_NODES + 1)}
    assert ("rule", "INVALID_RULE") in problems(wide)
    assert problems(
        {"events": {"kind": "TEST_DRIVE", "payloadKey": "a'b", "payloadValue": "x"}}
    ) == {("rule.events.payloadKey", "INVALID_RULE")}
    assert problems({"events": {"kind": "TEST_DRIVE", "payloadKey": "model"}}) == {
        ("rule.events.payloadValue", "INVALID_RULE")
    }
    assert problems({"created": {"from": "2026-01-01T00:00:00"}}) == {
        ("rule.created.from", "INVALID_RULE")
    }


def _errors(data):
    with pytest.raises(DomainErrors) as caught:
        r.parse_rule(data)
    return caught.value.errors


def test_references_name_where_each_id_was_written():
    data = {"all": [{"tags": {"none": [3]}}, {"not": {"survey": {"optionIds": [9]}}}]}
    assert r.references(data) == [
        ("tag", 3, "rule.all[0].tags.none"),
        ("option", 9, "rule.all[1].not.survey.optionIds"),
    ]


def test_tag_rules_that_trigger_each_other_are_a_loop():
    # a rule reading tag 1 sets tag 2: no loop
    assert not find_loop([(frozenset({1}), 2)])
    # a rule reading the tag it sets
    assert find_loop([(frozenset({1}), 1)])
    # two rules in a circle, through a third tag
    assert find_loop([(frozenset({1}), 2), (frozenset({2}), 3), (frozenset({3, 9}), 1)])
    # a chain and a diamond are fine
    assert not find_loop([(frozenset({1}), 2), (frozenset({1}), 3), (frozenset({2, 3}), 4)])
