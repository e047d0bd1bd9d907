"""The pure referral rules: codes, refusals, fraud signals, qualifying orders, milestones, tiers."""

import random
from datetime import UTC, datetime, timedelta

from koc.referrals import rules
from koc.referrals.models import (
    FraudSignal,
    Milestone,
    QualifyingOrders,
    RefusalReason,
    TierPeriod,
)


def test_generated_codes_use_the_unambiguous_alphabet_and_fit_scene_and_state():
    rng = random.Random(1)
    codes = {rules.generate_code(rng) for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == 8
        assert not set(code) & set("01OIL")
    longest = "A" * rules.VANITY_MAX
    assert len(rules.scene_for(longest)) <= 32
    assert len(rules.wecom_state_for(longest)) <= 30


def test_a_code_is_read_from_a_bare_code_a_scene_or_a_wecom_state():
    assert rules.normalize_code(" ab3d-ef ") == "AB3D-EF"
    assert rules.normalize_code("r=K7PQ2MXA") == "K7PQ2MXA"
    assert rules.normalize_code("koc_r_k7pq2mxa") == "K7PQ2MXA"
    assert rules.normalize_code("R=K7PQ2MXA") == "K7PQ2MXA"
    assert rules.normalize_code("no spaces") is None
    assert rules.normalize_code("X" * 21) is None
    assert rules.normalize_code("") is None


def test_vanity_codes_are_4_to_20_letters_digits_or_hyphens():
    assert rules.valid_vanity("NIO-LI")
    assert not rules.valid_vanity("ABC")
    assert not rules.valid_vanity("-ABCD")
    assert not rules.valid_vanity("A" * 21)


def test_masked_names_show_only_the_first_character():
    assert rules.mask_name("Lin Wei") == "L**"
    assert rules.mask_name("  ") == "***"


A = rules.Person(1, "u-a", "+8613800000001")
B = rules.Person(2, "u-b", "+8613800000002")


def test_refusals_in_order():
    assert rules.refusal_for(A, A, referee_was_customer=False) is RefusalReason.SELF_REFERRAL
    twin_unionid = rules.Person(2, "u-a", None)
    twin_phone = rules.Person(2, None, "+8613800000001")
    assert rules.refusal_for(A, twin_unionid, referee_was_customer=False) is (
        RefusalReason.SAME_IDENTITY
    )
    assert rules.refusal_for(A, twin_phone, referee_was_customer=False) is (
        RefusalReason.SAME_IDENTITY
    )
    assert rules.refusal_for(A, B, referee_was_customer=False, referrer_banned=True) is (
        RefusalReason.REFERRER_BANNED
    )
    assert rules.refusal_for(A, B, referee_was_customer=False, referrer_koc_status="PAUSED") is (
        RefusalReason.REFERRER_PAUSED
    )
    assert rules.refusal_for(A, B, referee_was_customer=True) is RefusalReason.ALREADY_CUSTOMER
    assert rules.refusal_for(A, B, referee_was_customer=False, referrer_koc_status="ACTIVE") is None
    # people without a unionid or phone do not share "nothing"
    assert (
        rules.refusal_for(
            rules.Person(1, None, None), rules.Person(2, None, None), referee_was_customer=False
        )
        is None
    )


LIMITS = rules.FraudLimits(per_hour=10, per_day=30, idle_referees=10, idle_share=0.8, risk_rank=3)


def facts(**overrides):
    values = {
        "referrer": A,
        "referee": B,
        "referrer_devices": frozenset(),
        "referee_device": None,
        "bindings_last_hour": 0,
        "bindings_last_day": 0,
        "idle_referees": 0,
        "settled_referees": 0,
        "loop": False,
        "risk_rank": None,
    }
    return rules.FraudFacts(**{**values, **overrides})


def test_a_clean_binding_has_no_signal():
    assert rules.fraud_signals(facts(), LIMITS) == []


def test_each_fraud_signal():
    cases = [
        (facts(referee=rules.Person(2, "u-a", None)), FraudSignal.SHARED_UNIONID),
        (facts(referee=rules.Person(2, None, A.phone)), FraudSignal.SHARED_PHONE),
        (
            facts(referrer_devices=frozenset({"dev-1"}), referee_device="dev-1"),
            FraudSignal.SHARED_DEVICE,
        ),
        (facts(bindings_last_hour=10, bindings_last_day=10), FraudSignal.BURST_HOUR),
        (facts(bindings_last_day=30), FraudSignal.BURST_DAY),
        (facts(loop=True), FraudSignal.LOOP),
        (facts(idle_referees=10, settled_referees=12), FraudSignal.IDLE_REFEREES),
        (facts(risk_rank=3), FraudSignal.RISK_RANK),
    ]
    for given, expected in cases:
        assert rules.fraud_signals(given, LIMITS) == [expected], expected


def test_signals_stay_quiet_below_their_thresholds():
    quiet = facts(
        referrer_devices=frozenset({"dev-1"}),
        referee_device="dev-2",
        bindings_last_hour=9,
        bindings_last_day=29,
        idle_referees=10,
        settled_referees=20,  # half of the settled referees ordered: not a farm
        risk_rank=2,
    )
    assert rules.fraud_signals(quiet, LIMITS) == []
    assert rules.fraud_signals(facts(idle_referees=9, settled_referees=9), LIMITS) == []


def test_loops_of_two_and_three_are_found_and_longer_chains_are_not():
    # A(1) brought B(2); B now brings A: A->B->A
    assert rules.closes_loop(referrer_id=2, referee_id=1, referrer_of={2: 1})
    # A->B->C, C brings A: A->B->C->A
    assert rules.closes_loop(referrer_id=3, referee_id=1, referrer_of={3: 2, 2: 1})
    # A->B->C->D, D brings A: four members, beyond the checked length
    assert not rules.closes_loop(referrer_id=4, referee_id=1, referrer_of={4: 3, 3: 2, 2: 1})
    assert not rules.closes_loop(referrer_id=2, referee_id=5, referrer_of={2: 1})


def test_which_orders_qualify():
    first = rules.ProgramRules(QualifyingOrders.FIRST_ORDER, 0, [])
    every = rules.ProgramRules(QualifyingOrders.EVERY_ORDER, 100_00, ["Vehicle", "charger"])
    assert rules.order_qualifies(first, amount_cents=1, category="x", has_active_conversion=False)
    assert not rules.order_qualifies(
        first, amount_cents=1, category="x", has_active_conversion=True
    )
    assert rules.order_qualifies(
        every, amount_cents=100_00, category="vehicle", has_active_conversion=True
    )
    assert not rules.order_qualifies(
        every, amount_cents=99_99, category="vehicle", has_active_conversion=False
    )
    assert not rules.order_qualifies(
        every, amount_cents=500_00, category="insurance", has_active_conversion=False
    )


def test_the_window_includes_its_start_and_excludes_its_end():
    start = datetime(2025, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=180)
    assert rules.in_window(start, start, end)
    assert not rules.in_window(end, start, end)
    assert not rules.in_window(start - timedelta(seconds=1), start, end)


def test_milestones_only_move_forward_and_a_reversal_falls_back():
    assert rules.advance(Milestone.LEAD, Milestone.TEST_DRIVE)
    assert not rules.advance(Milestone.DEPOSIT, Milestone.TEST_DRIVE)
    assert (
        rules.milestone_after_reversal([Milestone.LEAD, Milestone.DEPOSIT, Milestone.TEST_DRIVE])
        is Milestone.DEPOSIT
    )
    assert rules.milestone_after_reversal([]) is Milestone.LEAD


def test_tiers_pick_the_highest_reached():
    tiers = [rules.RewardTier(1, 100), rules.RewardTier(5, 300, 50), rules.RewardTier(10, 500)]
    assert rules.tier_for(tiers, 1).referrer_points == 100
    assert rules.tier_for(tiers, 4).referrer_points == 100
    assert rules.tier_for(tiers, 5).referee_points == 50
    assert rules.tier_for(tiers, 42).referrer_points == 500
    assert rules.tier_problem(tiers) is None
    assert rules.tier_problem([rules.RewardTier(2, 100)]) is not None
    assert rules.tier_problem([rules.RewardTier(1, 100), rules.RewardTier(1, 200)]) is not None
    assert rules.tier_problem([rules.RewardTier(1, -1)]) is not None
    assert rules.tier_problem([]) is not None


def test_tier_periods_are_calendar_periods_in_utc():
    at = datetime(2025, 8, 17, 12, tzinfo=UTC)
    assert rules.period_start(TierPeriod.YEAR, at) == datetime(2025, 1, 1, tzinfo=UTC)
    assert rules.period_start(TierPeriod.QUARTER, at) == datetime(2025, 7, 1, tzinfo=UTC)
    assert rules.period_start(TierPeriod.MONTH, at) == datetime(2025, 8, 1, tzinfo=UTC)
    assert rules.period_start(TierPeriod.ALL_TIME, at) is None
