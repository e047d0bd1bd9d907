"""Badge rules as plain functions: when a rule is met and how far along a member is."""

from datetime import UTC, datetime

from koc.badges.models import BadgeRule, SignalKind
from koc.badges.rules import Progress, RuleSpec, Signals, full_years, is_met, progress, rule_problem

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def test_counting_rule_progress_caps_at_the_target():
    spec = RuleSpec(BadgeRule.REFERRALS_CONVERTED, 5)
    assert progress(spec, Signals({SignalKind.REFERRAL_CONVERTED: 3}), NOW) == Progress(3, 5)
    assert progress(spec, Signals({SignalKind.REFERRAL_CONVERTED: 9}), NOW) == Progress(5, 5)
    assert not is_met(spec, Signals({SignalKind.REFERRAL_CONVERTED: 4}), NOW)
    assert is_met(spec, Signals({SignalKind.REFERRAL_CONVERTED: 5}), NOW)


def test_each_counting_rule_reads_its_own_signal():
    signals = Signals({SignalKind.EVENT_ATTENDED: 2})
    assert is_met(RuleSpec(BadgeRule.EVENTS_ATTENDED, 2), signals, NOW)
    assert not is_met(RuleSpec(BadgeRule.SUBMISSIONS_APPROVED, 2), signals, NOW)


def test_manual_badges_have_no_progress():
    assert progress(RuleSpec(BadgeRule.MANUAL), Signals(), NOW) is None
    assert not is_met(RuleSpec(BadgeRule.MANUAL), Signals(), NOW)


def test_koc_role_rule_with_and_without_a_named_role():
    content = Signals(koc_roles=frozenset({"CONTENT"}))
    assert is_met(RuleSpec(BadgeRule.KOC_ROLE), content, NOW)
    assert is_met(RuleSpec(BadgeRule.KOC_ROLE, koc_role="CONTENT"), content, NOW)
    assert not is_met(RuleSpec(BadgeRule.KOC_ROLE, koc_role="CO_CREATOR"), content, NOW)
    assert not is_met(RuleSpec(BadgeRule.KOC_ROLE), Signals(), NOW)


def test_full_years_count_whole_anniversaries_only():
    assert full_years(datetime(2023, 6, 1, tzinfo=UTC), NOW) == 2
    assert full_years(datetime(2023, 6, 2, tzinfo=UTC), NOW) == 1
    assert full_years(datetime(2025, 5, 31, tzinfo=UTC), NOW) == 0
    # A leap-day first order completes its year once 28 February has passed.
    leap = datetime(2024, 2, 29, tzinfo=UTC)
    assert full_years(leap, datetime(2025, 2, 28, tzinfo=UTC)) == 0
    assert full_years(leap, datetime(2025, 3, 1, tzinfo=UTC)) == 1


def test_years_rule_needs_an_order_and_counts_years():
    spec = RuleSpec(BadgeRule.YEARS_SINCE_FIRST_ORDER, 3)
    assert progress(spec, Signals(), NOW) == Progress(0, 3)
    first = Signals(first_order_at=datetime(2023, 1, 1, tzinfo=UTC))
    assert progress(spec, first, NOW) == Progress(2, 3)
    owner = RuleSpec(BadgeRule.YEARS_SINCE_FIRST_ORDER, 0)
    assert not is_met(owner, Signals(), NOW)
    assert is_met(owner, Signals(first_order_at=NOW), NOW)


def test_rule_problems_name_the_field():
    assert rule_problem(RuleSpec(BadgeRule.REFERRALS_CONVERTED, 0)) == (
        "threshold",
        "The threshold must be between 1 and 100000.",
    )
    assert rule_problem(RuleSpec(BadgeRule.MANUAL, 3))[0] == "threshold"
    assert rule_problem(RuleSpec(BadgeRule.EVENTS_ATTENDED, 2, koc_role="CONTENT"))[0] == "kocRole"
    assert rule_problem(RuleSpec(BadgeRule.KOC_ROLE, koc_role="CONTENT")) is None
