"""Pure referral rules: codes, refusals, fraud signals, qualifying orders, milestones, tiers.

No database here: the services gather the facts and these functions decide.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from koc.referrals.models import (
    FraudSignal,
    Milestone,
    QualifyingOrders,
    RefusalReason,
    TierPeriod,
)

# --- codes ---------------------------------------------------------------------------------

# No 0/O, 1/I/L: a code read aloud or typed from a poster cannot be mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GENERATED_CODE_LENGTH = 8
VANITY_MIN, VANITY_MAX = 4, 20
VANITY_RE = re.compile(rf"^[A-Z0-9][A-Z0-9-]{{{VANITY_MIN - 1},{VANITY_MAX - 1}}}$")
# A mini-program share `scene` is at most 32 visible characters; a WeCom contact-way `state`
# at most 30. With these prefixes a 20-character code fits both.
SCENE_PREFIX = "r="
WECOM_STATE_PREFIX = "koc_r_"
MAX_CODE_INPUT = 64


def generate_code(rng: random.Random | random.SystemRandom) -> str:
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(GENERATED_CODE_LENGTH))


def scene_for(code: str) -> str:
    return SCENE_PREFIX + code


def wecom_state_for(code: str) -> str:
    return WECOM_STATE_PREFIX + code


def normalize_code(text: str) -> str | None:
    """The code inside what a client passed: a bare code, a share scene (``r=CODE``) or a WeCom
    state (``koc_r_CODE``), case-insensitive. None when it cannot be a code."""
    value = text.strip()
    lowered = value.lower()
    for prefix in (SCENE_PREFIX, WECOM_STATE_PREFIX):
        if lowered.startswith(prefix):
            value = value[len(prefix) :]
            break
    value = value.upper()
    if not 1 <= len(value) <= VANITY_MAX or not re.fullmatch(r"[A-Z0-9-]+", value):
        return None
    return value


def valid_vanity(code: str) -> bool:
    return bool(VANITY_RE.match(code))


def mask_name(nickname: str) -> str:
    """A referee as the referrer sees them: the first character and stars."""
    name = nickname.strip()
    return (name[0] + "**") if name else "***"


# --- binding -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    unionid: str | None
    phone: str | None


PAUSED_KOC_STATUSES = frozenset({"PAUSED", "SUSPENDED"})
BANNED_KOC_STATUSES = frozenset({"BANNED", "REVOKED"})


def referrer_block(koc_status: str, banned: bool) -> RefusalReason | None:
    """Why a referrer may not bring anyone now: staff banned them, or their KOC profile is
    paused or banned (from the creators feature's status hook)."""
    status = koc_status.upper()
    if banned or status in BANNED_KOC_STATUSES:
        return RefusalReason.REFERRER_BANNED
    if status in PAUSED_KOC_STATUSES:
        return RefusalReason.REFERRER_PAUSED
    return None


def refusal_for(
    referrer: Person,
    referee: Person,
    *,
    referee_was_customer: bool,
    referrer_koc_status: str = "",
    referrer_banned: bool = False,
) -> RefusalReason | None:
    """Why this referrer may not bind this referee, or None. The first reason found wins."""
    if referrer.id == referee.id:
        return RefusalReason.SELF_REFERRAL
    if shared_identity(referrer, referee):
        return RefusalReason.SAME_IDENTITY
    blocked = referrer_block(referrer_koc_status, referrer_banned)
    if blocked is not None:
        return blocked
    if referee_was_customer:
        return RefusalReason.ALREADY_CUSTOMER
    return None


# --- fraud ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FraudLimits:
    per_hour: int
    per_day: int
    idle_referees: int
    idle_share: float
    risk_rank: int


@dataclass(frozen=True)
class FraudFacts:
    """What the services know about a new binding, for ``fraud_signals``."""

    referrer: Person
    referee: Person
    referrer_devices: frozenset[str]  # devices seen on the referrer or their other referees
    referee_device: str | None
    bindings_last_hour: int  # the referrer's bindings in the hour before, this one excluded
    bindings_last_day: int
    idle_referees: int  # the referrer's referees bound long ago with no order
    settled_referees: int  # the referrer's referees bound long ago, idle or not
    loop: bool
    risk_rank: int | None


def fraud_signals(facts: FraudFacts, limits: FraudLimits) -> list[FraudSignal]:
    """The reasons a binding needs a staff review (empty: it does not)."""
    signals: list[FraudSignal] = []
    signals.extend(shared_identity(facts.referrer, facts.referee))
    if facts.referee_device and facts.referee_device in facts.referrer_devices:
        signals.append(FraudSignal.SHARED_DEVICE)
    if facts.bindings_last_hour + 1 > limits.per_hour:
        signals.append(FraudSignal.BURST_HOUR)
    if facts.bindings_last_day + 1 > limits.per_day:
        signals.append(FraudSignal.BURST_DAY)
    if facts.loop:
        signals.append(FraudSignal.LOOP)
    if (
        facts.idle_referees >= limits.idle_referees
        and facts.idle_referees >= limits.idle_share * facts.settled_referees
    ):
        signals.append(FraudSignal.IDLE_REFEREES)
    if facts.risk_rank is not None and facts.risk_rank >= limits.risk_rank:
        signals.append(FraudSignal.RISK_RANK)
    return signals


def shared_identity(referrer: Person, referee: Person) -> list[FraudSignal]:
    """Identity shared by the two sides of a referral (a binding refuses it; a member merge
    that folds a referee into its referrer is flagged with it)."""
    signals: list[FraudSignal] = []
    if referrer.unionid and referrer.unionid == referee.unionid:
        signals.append(FraudSignal.SHARED_UNIONID)
    if referrer.phone and referrer.phone == referee.phone:
        signals.append(FraudSignal.SHARED_PHONE)
    return signals


MAX_LOOP_LENGTH = 3


def closes_loop(referrer_id: int, referee_id: int, referrer_of: Mapping[int, int]) -> bool:
    """True when binding referee under referrer closes a cycle of at most three members
    (A->B->A, A->B->C->A): the referee is the referrer's referrer, or that one's referrer."""
    current = referrer_id
    for _ in range(MAX_LOOP_LENGTH - 1):
        parent = referrer_of.get(current)
        if parent is None:
            return False
        if parent == referee_id:
            return True
        current = parent
    return False


# --- attribution ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramRules:
    qualifying: QualifyingOrders
    min_amount_cents: int
    categories: Sequence[str]


def in_window(occurred_at: datetime, bound_at: datetime, expires_at: datetime) -> bool:
    return bound_at <= occurred_at < expires_at


def order_qualifies(
    rules: ProgramRules, *, amount_cents: int, category: str, has_active_conversion: bool
) -> bool:
    """Does an in-window order of a bound referee convert the referral?

    FIRST_ORDER: only the first qualifying order converts (one conversion per referral);
    EVERY_ORDER: every qualifying order does. Qualifying: at least the minimum amount and, when
    the program lists categories, of one of them (case-insensitive).
    """
    if rules.qualifying is QualifyingOrders.FIRST_ORDER and has_active_conversion:
        return False
    if amount_cents < rules.min_amount_cents:
        return False
    allowed = {c.lower() for c in rules.categories}
    return not allowed or category.lower() in allowed


MILESTONE_RANK = {m: i for i, m in enumerate(Milestone)}


def advance(current: Milestone, reached: Milestone) -> bool:
    """Milestones only move forward: LEAD -> TEST_DRIVE -> DEPOSIT -> CONVERTED."""
    return MILESTONE_RANK[reached] > MILESTONE_RANK[current]


def milestone_after_reversal(reached: Sequence[Milestone]) -> Milestone:
    """The milestone left when a conversion is reversed: the furthest pre-order step reached."""
    before_order = [m for m in reached if m is not Milestone.CONVERTED]
    return max(before_order, key=MILESTONE_RANK.__getitem__, default=Milestone.LEAD)


# --- rewards -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RewardTier:
    """From the ``from_conversion``-th conversion of a referrer in a period on, each
    conversion earns these rewards."""

    from_conversion: int
    referrer_points: int
    referee_points: int = 0
    privilege: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "fromConversion": self.from_conversion,
            "referrerPoints": self.referrer_points,
            "refereePoints": self.referee_points,
            "privilege": self.privilege,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> RewardTier:
        privilege = data.get("privilege")
        return cls(
            from_conversion=int(data["fromConversion"]),  # type: ignore[call-overload]
            referrer_points=int(data["referrerPoints"]),  # type: ignore[call-overload]
            referee_points=int(data.get("refereePoints") or 0),  # type: ignore[call-overload]
            privilege=str(privilege) if privilege else None,
        )


DEFAULT_TIERS = (RewardTier(from_conversion=1, referrer_points=100),)
MAX_TIERS = 20
MAX_POINTS = 10_000_000


def tier_problem(tiers: Sequence[RewardTier]) -> str | None:
    """What is wrong with a list of tiers, or None."""
    if not 1 <= len(tiers) <= MAX_TIERS:
        return f"Give 1-{MAX_TIERS} tiers."
    starts = [t.from_conversion for t in tiers]
    if starts[0] != 1:
        return "The first tier starts at conversion 1."
    if any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
        return "Tiers must start at increasing conversion numbers."
    for t in tiers:
        if not 0 <= t.referrer_points <= MAX_POINTS or not 0 <= t.referee_points <= MAX_POINTS:
            return f"Points must be 0-{MAX_POINTS}."
        if t.privilege is not None and not 1 <= len(t.privilege) <= 64:
            return "A privilege code is 1-64 characters."
    return None


def tier_for(tiers: Sequence[RewardTier], ordinal: int) -> RewardTier:
    """The tier of a referrer's ``ordinal``-th conversion in the period (tiers sorted)."""
    chosen = tiers[0]
    for tier in tiers:
        if tier.from_conversion <= ordinal:
            chosen = tier
    return chosen


def period_start(period: TierPeriod, at: datetime) -> datetime | None:
    """Start of the calendar period (UTC) holding ``at``; None for ALL_TIME."""
    at = at.astimezone(UTC)
    if period is TierPeriod.ALL_TIME:
        return None
    if period is TierPeriod.YEAR:
        return datetime(at.year, 1, 1, tzinfo=UTC)
    if period is TierPeriod.QUARTER:
        return datetime(at.year, 3 * ((at.month - 1) // 3) + 1, 1, tzinfo=UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def share(part: int, whole: int) -> float:
    """``part`` as a fraction of ``whole``, 0 when there is no whole."""
    return part / whole if whole else 0.0
