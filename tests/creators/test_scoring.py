"""The discovery score is a pure function of signals, weights and the time."""

from datetime import UTC, datetime, timedelta

import pytest

from koc.creators.models import KocRole
from koc.creators.scoring import (
    DEFAULT_WEIGHTS,
    Signal,
    Signals,
    SignalWeight,
    WeightsError,
    breakdown,
    merge_weights,
    score,
    total,
    weights_from_json,
    weights_to_json,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def points(signals: Signals, role: KocRole | None = None) -> dict[Signal, float]:
    return {c.signal: c.points for c in breakdown(signals, DEFAULT_WEIGHTS, NOW, role)}


def test_a_member_with_no_signal_scores_zero():
    scores = score(Signals(), DEFAULT_WEIGHTS, NOW)
    assert scores.overall == 0
    assert set(scores.by_role.values()) == {0}


def test_content_signals_weigh_for_content_experience_for_experience_surveys_for_co_creation():
    writer = score(Signals(content_posts=6), DEFAULT_WEIGHTS, NOW)
    host = score(Signals(test_drives_hosted=2, events_attended=3), DEFAULT_WEIGHTS, NOW)
    respondent = score(Signals(survey_answers=3), DEFAULT_WEIGHTS, NOW)
    assert max(writer.by_role, key=writer.by_role.get) is KocRole.CONTENT
    assert max(host.by_role, key=host.by_role.get) is KocRole.EXPERIENCE
    assert max(respondent.by_role, key=respondent.by_role.get) is KocRole.CO_CREATION


def test_a_count_saturates():
    assert points(Signals(content_posts=10))[Signal.CONTENT_POSTS] == 15
    assert points(Signals(content_posts=500))[Signal.CONTENT_POSTS] == 15
    assert points(Signals(content_posts=5))[Signal.CONTENT_POSTS] == 7.5


def test_recency_halves_every_half_life_and_tenure_grows():
    half_life = DEFAULT_WEIGHTS[Signal.RECENCY].saturation
    fresh = points(Signals(last_active_at=NOW))[Signal.RECENCY]
    older = points(Signals(last_active_at=NOW - timedelta(days=half_life)))[Signal.RECENCY]
    assert fresh == 10
    assert older == 5
    young = points(Signals(first_order_at=NOW - timedelta(days=73)))[Signal.TENURE]
    veteran = points(Signals(first_order_at=NOW - timedelta(days=3650)))[Signal.TENURE]
    assert (young, veteran) == (1, 10)


def test_refunds_and_complaints_count_against():
    clean = score(Signals(order_count=2, order_cents=4_000_000), DEFAULT_WEIGHTS, NOW)
    troubled = score(
        Signals(order_count=2, order_cents=4_000_000, refunds=1, complaints=2),
        DEFAULT_WEIGHTS,
        NOW,
    )
    assert troubled.overall == clean.overall - 5 - 20


def test_staff_rating_needs_good_ratings_and_confidence():
    one_five = points(Signals(rating_sum=5, rating_count=1))[Signal.STAFF_RATING]
    three_fives = points(Signals(rating_sum=15, rating_count=3))[Signal.STAFF_RATING]
    three_ones = points(Signals(rating_sum=3, rating_count=3))[Signal.STAFF_RATING]
    assert (one_five, three_fives, three_ones) == (5, 15, 0)


def test_the_breakdown_adds_up_to_the_score_and_shows_every_signal():
    signals = Signals(
        order_count=1,
        order_cents=2_500_000,
        first_order_at=NOW - timedelta(days=400),
        content_posts=4,
        converted_referrals=1,
        last_active_at=NOW - timedelta(days=10),
    )
    scores = score(signals, DEFAULT_WEIGHTS, NOW)
    for role in (None, *KocRole):
        parts = breakdown(signals, DEFAULT_WEIGHTS, NOW, role)
        assert [c.signal for c in parts] == list(Signal)
        assert total(parts) == scores.of(role)
    referrals = next(
        c
        for c in breakdown(signals, DEFAULT_WEIGHTS, NOW, KocRole.EXPERIENCE)
        if c.signal is Signal.REFERRALS
    )
    assert (referrals.value, referrals.affinity, referrals.points) == (1, 1.5, 10)


def test_changed_weights_change_the_ranking():
    writer = Signals(content_posts=10)
    host = Signals(test_drives_hosted=3)
    assert score(writer, DEFAULT_WEIGHTS, NOW).overall > score(host, DEFAULT_WEIGHTS, NOW).overall
    weights = merge_weights(DEFAULT_WEIGHTS, [(Signal.TEST_DRIVES_HOSTED, SignalWeight(40, 3))])
    assert score(host, weights, NOW).overall > score(writer, weights, NOW).overall


def test_weights_survive_storage_and_unknown_or_missing_signals_take_defaults():
    weights = merge_weights(DEFAULT_WEIGHTS, [(Signal.ORDERS, SignalWeight(7, 2))])
    stored = weights_to_json(weights)
    del stored["COMPLAINTS"]
    stored["RETIRED_SIGNAL"] = {"weight": 1, "saturation": 1}
    loaded = weights_from_json(stored)
    assert loaded[Signal.ORDERS].weight == 7
    assert loaded[Signal.COMPLAINTS] == DEFAULT_WEIGHTS[Signal.COMPLAINTS]
    assert weights_from_json(None) == DEFAULT_WEIGHTS


@pytest.mark.parametrize(
    "weight",
    [
        SignalWeight(10, 0),
        SignalWeight(10, -1),
        SignalWeight(5000, 1),
        SignalWeight(10, 1, dict.fromkeys(KocRole, 11.0)),
        SignalWeight(10, 1, {KocRole.CONTENT: 1.0}),
    ],
)
def test_unusable_weights_are_refused(weight):
    with pytest.raises(WeightsError):
        merge_weights(DEFAULT_WEIGHTS, [(Signal.ORDERS, weight)])


def test_a_signal_given_twice_is_refused():
    with pytest.raises(WeightsError):
        merge_weights(
            DEFAULT_WEIGHTS,
            [(Signal.ORDERS, SignalWeight(1, 1)), (Signal.ORDERS, SignalWeight(2, 1))],
        )
