"""KOC discovery scoring (KOC挖掘): a pure function from a member's signals to scores per role.

Every signal gives a raw ``value`` (a count, an amount, a number of days or an average), a
``normalized`` value in [0, 1] and a ``contribution`` in points::

    contribution = weight * normalized * affinity[role]

``weight`` is the points the signal gives at saturation (negative for refunds and complaints),
``saturation`` is the raw value at which it saturates, and ``affinity`` says how much the signal
counts for each role (content signals weigh for CONTENT, experience signals for EXPERIENCE,
survey and co-creation signals for CO_CREATION). The overall score uses affinity 1 everywhere.

Normalisation per signal:
- counts (orders, referrals, posts, ...) and spend: ``min(value / saturation, 1)``;
- TENURE, days since the first order: ``min(days / saturation, 1)``;
- RECENCY, days since the last activity: ``0.5 ** (days / saturation)`` (saturation is the
  half-life in days; no activity known gives 0);
- STAFF_RATING, the average campaign rating 1-5: ``(average - 1) / 4`` times the confidence
  ``min(ratings / saturation, 1)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from koc.creators.models import KocRole

ROLES = tuple(KocRole)
MAX_ABS_WEIGHT = 1000.0
MAX_AFFINITY = 10.0
MAX_SATURATION = 1e13


class Signal(StrEnum):
    ORDERS = "ORDERS"
    SPEND = "SPEND"
    TENURE = "TENURE"
    REFERRALS = "REFERRALS"
    CONTENT_POSTS = "CONTENT_POSTS"
    EVENTS_ATTENDED = "EVENTS_ATTENDED"
    TEST_DRIVES_HOSTED = "TEST_DRIVES_HOSTED"
    SURVEY_ANSWERS = "SURVEY_ANSWERS"
    CAMPAIGN_SIGNUPS = "CAMPAIGN_SIGNUPS"
    CAMPAIGN_SUBMISSIONS = "CAMPAIGN_SUBMISSIONS"
    STAFF_RATING = "STAFF_RATING"
    RECENCY = "RECENCY"
    REFUNDS = "REFUNDS"
    COMPLAINTS = "COMPLAINTS"


@dataclass(frozen=True)
class Signals:
    """What is known about one member, as aggregates."""

    order_count: int = 0
    order_cents: int = 0
    first_order_at: datetime | None = None
    refunds: int = 0
    content_posts: int = 0
    events_attended: int = 0
    test_drives_hosted: int = 0
    complaints: int = 0
    converted_referrals: int = 0
    survey_answers: int = 0
    campaign_signups: int = 0
    campaign_submissions: int = 0
    rating_sum: int = 0
    rating_count: int = 0
    last_active_at: datetime | None = None

    @classmethod
    def of(cls, row: Any) -> Signals:
        """The signals held by a row (any object with the same attribute names)."""
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class SignalWeight:
    weight: float
    saturation: float
    affinity: Mapping[KocRole, float] = field(default_factory=lambda: dict.fromkeys(ROLES, 1.0))


def _w(
    weight: float, saturation: float, content: float, experience: float, co: float
) -> SignalWeight:
    return SignalWeight(
        weight,
        saturation,
        {KocRole.CONTENT: content, KocRole.EXPERIENCE: experience, KocRole.CO_CREATION: co},
    )


# The documented defaults: points at saturation, saturation, affinity (content, experience,
# co-creation). A brand changes them with kocScoringWeightsSet.
DEFAULT_WEIGHTS: dict[Signal, SignalWeight] = {
    Signal.ORDERS: _w(10, 3, 1, 1, 1),
    Signal.SPEND: _w(10, 5_000_000, 1, 1, 1),  # 50,000.00 in cents
    Signal.TENURE: _w(10, 730, 1, 1, 1),  # days since the first order
    Signal.REFERRALS: _w(20, 3, 1, 1.5, 0.5),
    Signal.CONTENT_POSTS: _w(15, 10, 2, 0.5, 0.5),
    Signal.EVENTS_ATTENDED: _w(10, 5, 0.5, 1.5, 1),
    Signal.TEST_DRIVES_HOSTED: _w(10, 3, 0.5, 2, 0.5),
    Signal.SURVEY_ANSWERS: _w(10, 3, 0.5, 0.5, 2),
    Signal.CAMPAIGN_SIGNUPS: _w(5, 3, 1, 1, 1.5),
    Signal.CAMPAIGN_SUBMISSIONS: _w(10, 3, 1.5, 1, 1.5),
    Signal.STAFF_RATING: _w(15, 3, 1, 1, 1),
    Signal.RECENCY: _w(10, 60, 1, 1, 1),  # half-life in days
    Signal.REFUNDS: _w(-10, 2, 1, 1, 1),
    Signal.COMPLAINTS: _w(-20, 2, 1, 1, 1),
}


class WeightsError(ValueError):
    """Weights that cannot be used; ``signal`` names the entry at fault."""

    def __init__(self, signal: Signal | None, message: str) -> None:
        super().__init__(message)
        self.signal = signal


def validate_weight(signal: Signal, w: SignalWeight) -> None:
    if not -MAX_ABS_WEIGHT <= w.weight <= MAX_ABS_WEIGHT:
        raise WeightsError(signal, f"{signal}: weight must be within ±{MAX_ABS_WEIGHT:g}.")
    if not 0 < w.saturation <= MAX_SATURATION:
        raise WeightsError(signal, f"{signal}: saturation must be positive.")
    for role in ROLES:
        if not 0 <= w.affinity.get(role, -1) <= MAX_AFFINITY:
            raise WeightsError(
                signal, f"{signal}: affinity for {role} must be between 0 and {MAX_AFFINITY:g}."
            )


def merge_weights(
    current: Mapping[Signal, SignalWeight], changes: Iterable[tuple[Signal, SignalWeight]]
) -> dict[Signal, SignalWeight]:
    """``current`` with ``changes`` applied, validated; a signal may be changed once."""
    merged = dict(current)
    seen: set[Signal] = set()
    for signal, w in changes:
        if signal in seen:
            raise WeightsError(signal, f"{signal} is given twice.")
        seen.add(signal)
        validate_weight(signal, w)
        merged[signal] = w
    return merged


def weights_to_json(weights: Mapping[Signal, SignalWeight]) -> dict[str, Any]:
    return {
        s.value: {
            "weight": w.weight,
            "saturation": w.saturation,
            "affinity": {r.value: w.affinity[r] for r in ROLES},
        }
        for s, w in weights.items()
    }


def weights_from_json(data: Mapping[str, Any] | None) -> dict[Signal, SignalWeight]:
    """Stored weights over the defaults: signals added in a later version get their default."""
    weights = dict(DEFAULT_WEIGHTS)
    for name, entry in (data or {}).items():
        if name not in Signal.__members__:
            continue
        default = DEFAULT_WEIGHTS[Signal(name)]
        affinity = {
            r: float(entry.get("affinity", {}).get(r.value, default.affinity[r])) for r in ROLES
        }
        weights[Signal(name)] = SignalWeight(
            float(entry["weight"]), float(entry["saturation"]), affinity
        )
    return weights


@dataclass(frozen=True)
class Contribution:
    signal: Signal
    value: float | None  # None: nothing known (no activity, no order yet)
    normalized: float
    weight: float
    affinity: float
    points: float


def _days(since: datetime | None, now: datetime) -> float | None:
    if since is None:
        return None
    return max(0.0, (now - since).total_seconds() / 86400)


def _ratio(value: float, saturation: float) -> float:
    return min(max(value, 0.0) / saturation, 1.0)


def _raw_values(s: Signals, now: datetime) -> dict[Signal, float | None]:
    return {
        Signal.ORDERS: s.order_count,
        Signal.SPEND: s.order_cents,
        Signal.TENURE: _days(s.first_order_at, now),
        Signal.REFERRALS: s.converted_referrals,
        Signal.CONTENT_POSTS: s.content_posts,
        Signal.EVENTS_ATTENDED: s.events_attended,
        Signal.TEST_DRIVES_HOSTED: s.test_drives_hosted,
        Signal.SURVEY_ANSWERS: s.survey_answers,
        Signal.CAMPAIGN_SIGNUPS: s.campaign_signups,
        Signal.CAMPAIGN_SUBMISSIONS: s.campaign_submissions,
        Signal.STAFF_RATING: s.rating_sum / s.rating_count if s.rating_count else None,
        Signal.RECENCY: _days(s.last_active_at, now),
        Signal.REFUNDS: s.refunds,
        Signal.COMPLAINTS: s.complaints,
    }


def _normalize(signal: Signal, value: float | None, saturation: float, s: Signals) -> float:
    if value is None:
        return 0.0
    if signal is Signal.RECENCY:
        return 0.5 ** (value / saturation)
    if signal is Signal.STAFF_RATING:
        return (value - 1) / 4 * _ratio(s.rating_count, saturation)
    return _ratio(value, saturation)


def breakdown(
    signals: Signals,
    weights: Mapping[Signal, SignalWeight],
    now: datetime,
    role: KocRole | None = None,
) -> list[Contribution]:
    """Every signal's value and contribution to the score of ``role`` (None: overall)."""
    out = []
    for signal, value in _raw_values(signals, now).items():
        w = weights[signal]
        normalized = _normalize(signal, value, w.saturation, signals)
        affinity = 1.0 if role is None else w.affinity[role]
        out.append(
            Contribution(
                signal=signal,
                value=None if value is None else round(float(value), 4),
                normalized=round(normalized, 4),
                weight=w.weight,
                affinity=affinity,
                points=round(w.weight * normalized * affinity, 2),
            )
        )
    return out


@dataclass(frozen=True)
class Scores:
    overall: float
    by_role: Mapping[KocRole, float]

    def of(self, role: KocRole | None) -> float:
        return self.overall if role is None else self.by_role[role]


def total(contributions: Iterable[Contribution]) -> float:
    return round(sum(c.points for c in contributions), 2)


def score(signals: Signals, weights: Mapping[Signal, SignalWeight], now: datetime) -> Scores:
    """The overall score and the score for each role, rounded to 2 decimals: the totals of
    ``breakdown``, each signal normalized once (this runs on every recorded order)."""
    normalized = [
        (weights[s], _normalize(s, v, weights[s].saturation, signals))
        for s, v in _raw_values(signals, now).items()
    ]

    def total_for(role: KocRole | None) -> float:
        return round(
            sum(
                round(w.weight * n * (1.0 if role is None else w.affinity[role]), 2)
                for w, n in normalized
            ),
            2,
        )

    return Scores(overall=total_for(None), by_role={r: total_for(r) for r in ROLES})
