"""The pure rules of live codes: rotation by capacity and expiry, warnings, scenes."""

from datetime import UTC, datetime, timedelta

from koc.livecodes import rules

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def target(id: int, position: int, *, served=0, capacity=200, days=7.0, active=True, warned=False):
    return rules.Target(
        id=id,
        position=position,
        capacity=capacity,
        served=served,
        expires_at=NOW + timedelta(days=days),
        active=active,
        warned_expiring=warned,
    )


def test_the_first_target_by_position_that_is_usable_serves():
    # given a full first group, an expired second, a switched-off third and a usable fourth
    targets = [
        target(4, 4),
        target(1, 1, served=200),
        target(2, 2, days=-0.1),
        target(3, 3, active=False),
        target(5, 5),
    ]
    # then the fourth serves
    assert rules.serving(targets, NOW).id == 4
    # and once it fills, the fifth
    assert rules.serving([*targets[1:], target(4, 4, served=200)], NOW).id == 5


def test_nothing_serves_when_every_target_is_full_or_expired():
    assert rules.serving([target(1, 1, served=5, capacity=5), target(2, 2, days=-1)], NOW) is None
    assert rules.serving([], NOW) is None


def test_running_low_counts_usable_targets_against_the_threshold():
    targets = [target(1, 1), target(2, 2, served=200), target(3, 3)]
    assert not rules.running_low(targets, NOW, 2)
    assert rules.running_low(targets, NOW, 3)
    assert not rules.running_low([], NOW, 0)


def test_a_target_expiring_within_a_day_is_reported_once():
    soon, later, warned = (
        target(1, 1, days=0.5),
        target(2, 2, days=2),
        target(3, 3, days=0.2, warned=True),
    )
    assert [t.id for t in rules.expiring([soon, later, warned], NOW)] == [1]
    # an expired one is not "expiring": it is gone
    assert rules.expiring([target(4, 4, days=-0.1)], NOW) == []


def test_scenes_name_slugs_and_nothing_else():
    assert rules.scene_of("spring-poster") == "lc-spring-poster"
    assert rules.slug_of_scene("lc-spring-poster") == "spring-poster"
    assert len(rules.scene_of("a" * 27)) == 30  # WeCom's state holds 30 characters
    for other in (None, "", "poster", "lc-", "lc-UPPER", "lc-" + "a" * 28, "lc-x"):
        assert rules.slug_of_scene(other) is None, other


def test_slugs():
    assert rules.valid_slug("store-12")
    for bad in ("ab", "-abc", "Abc", "a b c", "a" * 28, "abc/def"):
        assert not rules.valid_slug(bad), bad
