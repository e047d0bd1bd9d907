"""Discovery signals: per-member aggregates kept current by event handlers, and the stored scores.

Every signal that arrives (an order, a refund, a member event, a converted referral, a survey
answer, a campaign sign-up, submission or rating, a login) updates the member's
``MemberSignals`` row and recomputes its scores in the same transaction, so the ranking is
current without a scan. Recency decays with time: stored scores are as of ``scored_at``, which
moves on every signal, on ``koc kocs recompute-scores`` and when the weights change (which
rescores every row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from koc.consent.models import Purpose
from koc.consent.services import may_process
from koc.creators.models import (
    CampaignParticipant,
    CampaignSubmission,
    KocProfile,
    KocRole,
    MemberSignals,
    ScoringConfig,
)
from koc.creators.rules import RANKED_OUT
from koc.creators.scoring import Signal, Signals, SignalWeight, score, weights_from_json
from koc.db import update_rows
from koc.events import (
    ConsentChanged,
    FollowUpRecorded,
    MemberEventRecorded,
    MemberLoggedIn,
    OrderRecorded,
    OrderRefunded,
    ReferralConverted,
    ReferralReversed,
    SurveyResponded,
    after_handlers,
)
from koc.events.memo import once_per_version
from koc.jobs import NO_PROGRESS, Progress
from koc.members.models import Member
from koc.orders.models import MemberEvent, MemberEventKind, Order, OrderStatus, Refund
from koc.rows import fetch_by_keys, fetch_models, insert_models

BATCH = 500

SCORE_COLUMNS: dict[KocRole | None, str] = {
    None: "score_overall",
    KocRole.CONTENT: "score_content",
    KocRole.EXPERIENCE: "score_experience",
    KocRole.CO_CREATION: "score_co_creation",
}
SIGNAL_FIELDS = list(Signals.__dataclass_fields__)


def _now() -> datetime:
    return datetime.now(UTC)


async def load_weights() -> dict[Signal, SignalWeight]:
    """The brand's weights: the stored ones over the documented defaults."""

    async def load() -> dict[Signal, SignalWeight]:
        row = await ScoringConfig.get_or_none(id=1)
        return weights_from_json(row.weights if row else None)

    return await once_per_version("creators.weights", load)


def apply_scores(row: MemberSignals, weights: Mapping[Signal, SignalWeight], now: datetime) -> None:
    scores = score(Signals.of(row), weights, now)
    for role, column in SCORE_COLUMNS.items():
        setattr(row, column, scores.of(role))
    row.scored_at = now


async def _locked_rows(member_ids: Sequence[int]) -> dict[int, MemberSignals]:
    return {
        r.member_id: r
        for r in await fetch_models(MemberSignals, "member_id", member_ids, lock=True)
    }


Change = Callable[[MemberSignals], None]
# What a change and the rescoring write.
SAVED_FIELDS = [*SIGNAL_FIELDS, *SCORE_COLUMNS.values(), "scored_at"]


async def update_signals(member_id: int, change: Change) -> None:
    """Apply ``change`` to the member's signals (created when missing) and rescore them.

    Call inside the transaction of the change that produced the signal.
    """
    await update_signals_many([(member_id, change)])


async def update_signals_many(changes: Sequence[tuple[int, Change]]) -> dict[int, MemberSignals]:
    """``update_signals`` for many (member, change) pairs, in order, in a few statements: the
    rows are read (locked) together, each rescored once and written back together. Members who
    withdrew PROFILING get no signals and no score."""
    profiled = await may_process([member_id for member_id, _ in changes], Purpose.PROFILING)
    changes = [(member_id, change) for member_id, change in changes if member_id in profiled]
    if not changes:
        return {}
    member_ids = list(dict.fromkeys(member_id for member_id, _ in changes))
    rows = await _locked_rows(member_ids)
    missing = [m for m in member_ids if m not in rows]
    if missing:  # these members' first signals (a concurrent signal may create some first)
        statuses = [status.value for status in RANKED_OUT]
        ranked_out = {
            member_id
            for (member_id,) in await fetch_by_keys(
                "SELECT member_id FROM koc_profile"
                f" WHERE member_id IN ({{keys}}) AND status IN ({', '.join('?' * len(statuses))})",
                missing,
                statuses,
            )
        }
        created = await insert_models(
            [MemberSignals(member_id=m, is_koc=m in ranked_out) for m in missing],
            ignore_conflicts=True,
        )
        rows.update((r.member_id, r) for r in created)
        if len(created) < len(missing):  # a concurrent signal created those first
            rows.update(await _locked_rows([m for m in missing if m not in rows]))
    for member_id, change in changes:
        change(rows[member_id])
    weights, now = await load_weights(), _now()
    for row in rows.values():
        apply_scores(row, weights, now)
    await update_rows(list(rows.values()), SAVED_FIELDS)
    return rows


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    return a if b is None or a >= b else b


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    return a if b is None or a <= b else b


def seen(row: MemberSignals, at: datetime) -> None:
    """The member was active at ``at``."""
    row.last_active_at = _latest(row.last_active_at, at)


async def set_ranked_out(member_id: int, ranked_out: bool) -> None:
    await MemberSignals.filter(member_id=member_id).update(is_koc=ranked_out)


# --- hook handlers ----------------------------------------------------------------------------


def _ordered(order: Order) -> Change:
    def change(r: MemberSignals) -> None:
        r.order_count += 1
        r.order_cents += order.amount_cents
        r.first_order_at = _earliest(r.first_order_at, order.occurred_at)
        seen(r, order.occurred_at)

    return change


async def on_orders_recorded(events: Sequence[OrderRecorded]) -> None:
    # With the referrers' changes of the conversions these orders caused: one read, one
    # rescoring and one write for the whole batch.
    await after_handlers(update_signals_many, [(e.member.id, _ordered(e.order)) for e in events])


async def on_order_refunded(e: OrderRefunded) -> None:
    order, refund, member = e.order, e.refund, e.member
    # The order stops counting when this refund is the one that completed it.
    completed = (
        order.status is OrderStatus.REFUNDED
        and order.refunded_cents - refund.amount_cents < order.amount_cents
    )

    def change(r: MemberSignals) -> None:
        r.refunds += 1
        r.order_cents = max(0, r.order_cents - refund.amount_cents)
        if completed:
            r.order_count = max(0, r.order_count - 1)

    await update_signals(member.id, change)


def _is_hosted(event_payload: Any) -> bool:
    return isinstance(event_payload, dict) and event_payload.get("hosted") is True


EVENT_COUNTERS: dict[MemberEventKind, str] = {
    MemberEventKind.CONTENT_POSTED: "content_posts",
    MemberEventKind.EVENT_ATTENDED: "events_attended",
    MemberEventKind.COMPLAINT: "complaints",
}


def _event_counter(kind: MemberEventKind, payload: Any) -> str | None:
    """The aggregate an event increments: a TEST_DRIVE counts when the member hosted it
    (payload ``{"hosted": true}``); other kinds only mark the member as active."""
    if kind is MemberEventKind.TEST_DRIVE:
        return "test_drives_hosted" if _is_hosted(payload) else None
    return EVENT_COUNTERS.get(kind)


async def on_member_event_recorded(e: MemberEventRecorded) -> None:
    event, member = e.member_event, e.member
    counter = _event_counter(event.kind, event.payload)

    def change(r: MemberSignals) -> None:
        if counter:
            setattr(r, counter, getattr(r, counter) + 1)
        seen(r, event.occurred_at)

    await update_signals(member.id, change)


async def on_member_logged_in(e: MemberLoggedIn) -> None:
    await update_signals(e.member.id, lambda r: seen(r, _now()))


async def on_follow_up_recorded(e: FollowUpRecorded) -> None:
    """A contact with an advisor is engagement: it keeps the member's recency current."""
    await update_signals(e.member_id, lambda r: seen(r, e.at))


def _converted(r: MemberSignals) -> None:
    r.converted_referrals += 1


async def on_referrals_converted(events: Sequence[ReferralConverted]) -> None:
    await after_handlers(update_signals_many, [(e.referrer_id, _converted) for e in events])


async def on_referral_reversed(e: ReferralReversed) -> None:
    def change(r: MemberSignals) -> None:
        r.converted_referrals = max(0, r.converted_referrals - 1)

    await update_signals(e.referrer_id, change)


async def on_survey_responded(e: SurveyResponded) -> None:
    def change(r: MemberSignals) -> None:
        r.survey_answers += 1
        seen(r, _now())

    await update_signals(e.member_id, change)


ADDITIVE = [name for name in SIGNAL_FIELDS if name not in ("first_order_at", "last_active_at")]


async def merge_signals(from_member_id: int, into_member_id: int) -> None:
    """Fold one member's signals into another's (a prospect found to be an existing member)."""
    theirs = await MemberSignals.get_or_none(member_id=from_member_id)
    if theirs is None:
        return

    def change(r: MemberSignals) -> None:
        for name in ADDITIVE:
            setattr(r, name, getattr(r, name) + getattr(theirs, name))
        r.first_order_at = _earliest(r.first_order_at, theirs.first_order_at)
        r.last_active_at = _latest(r.last_active_at, theirs.last_active_at)

    await theirs.delete()
    await update_signals(into_member_id, change)


async def on_consent_changed(e: ConsentChanged) -> None:
    # Scores profile the member. A new grant starts again from the next signal, and the daily
    # ``koc kocs recompute-scores`` rebuilds the rest from orders, events and campaigns.
    if e.purpose == Purpose.PROFILING and not e.granted:
        await MemberSignals.filter(member_id=e.member_id).delete()


# --- batch recomputation ----------------------------------------------------------------------


async def rescore_all(weights: Mapping[Signal, SignalWeight] | None = None) -> int:
    """Recompute every stored score from the stored signals (after a weights change)."""
    weights = weights or await load_weights()
    now = _now()
    done = 0
    last_id = 0
    while True:
        rows = await MemberSignals.filter(id__gt=last_id).order_by("id").limit(BATCH)
        if not rows:
            return done
        for row in rows:
            apply_scores(row, weights, now)
        await MemberSignals.bulk_update(rows, [*SCORE_COLUMNS.values(), "scored_at"])
        done += len(rows)
        last_id = rows[-1].id


async def _aggregate(member_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Signals rebuilt from orders, refunds, member events and campaign activity."""
    agg: dict[int, dict[str, Any]] = defaultdict(dict)

    def add(member_id: int, name: str, amount: int) -> None:
        agg[member_id][name] = agg[member_id].get(name, 0) + amount

    def at(member_id: int, name: str, when: datetime, pick: Callable[..., Any]) -> None:
        agg[member_id][name] = pick(agg[member_id].get(name), when)

    orders = await Order.filter(member_id__in=list(member_ids)).values_list(
        "id", "member_id", "status", "amount_cents", "refunded_cents", "occurred_at"
    )
    owner = {}
    for order_id, member_id, status, amount, refunded, occurred in orders:
        owner[order_id] = member_id
        add(member_id, "order_cents", amount - refunded)
        if status != OrderStatus.REFUNDED:
            add(member_id, "order_count", 1)
        at(member_id, "first_order_at", occurred, _earliest)
        at(member_id, "last_active_at", occurred, _latest)
    if owner:
        for order_id in await Refund.filter(order_id__in=list(owner)).values_list(
            "order_id", flat=True
        ):
            add(owner[order_id], "refunds", 1)
    events = await MemberEvent.filter(member_id__in=list(member_ids)).values_list(
        "member_id", "kind", "payload", "occurred_at"
    )
    for member_id, kind, payload, occurred in events:
        counter = _event_counter(MemberEventKind(kind), payload)
        if counter:
            add(member_id, counter, 1)
        at(member_id, "last_active_at", occurred, _latest)
    for member_id, created in await CampaignParticipant.filter(
        member_id__in=list(member_ids)
    ).values_list("member_id", "created_at"):
        add(member_id, "campaign_signups", 1)
        at(member_id, "last_active_at", created, _latest)
    for member_id, rating, created in await CampaignSubmission.filter(
        member_id__in=list(member_ids)
    ).values_list("member_id", "rating", "created_at"):
        add(member_id, "campaign_submissions", 1)
        at(member_id, "last_active_at", created, _latest)
        if rating is not None:
            add(member_id, "rating_sum", rating)
            add(member_id, "rating_count", 1)
    return agg


# Aggregates fed only by other features' events (referrals, surveys): kept as they are.
KEPT = ("converted_referrals", "survey_answers")


async def rebuild_all(progress: Progress = NO_PROGRESS) -> int:
    """Rebuild every member's signals from the recorded data, then rescore everyone.

    Used by ``koc kocs recompute-scores`` (and the demo): it also creates the rows of members
    whose data arrived before this feature was installed. Converted referrals and survey answers
    come only from their features' events and are kept. Members who withdrew PROFILING are left
    without signals.
    """
    weights = await load_weights()
    now = _now()
    done = 0
    last_id = 0
    progress.expect(await Member.all().count())
    while True:
        members = (
            await Member.filter(id__gt=last_id)
            .order_by("id")
            .limit(BATCH)
            .values_list("id", "last_active_at")
        )
        if not members:
            return done
        ids = [m[0] for m in members]
        profiled = await may_process(ids, Purpose.PROFILING)
        members = [m for m in members if m[0] in profiled]
        agg = await _aggregate(ids)
        existing = {r.member_id: r for r in await MemberSignals.filter(member_id__in=ids)}
        ranked_out = set(
            await KocProfile.filter(member_id__in=ids, status__in=list(RANKED_OUT)).values_list(
                "member_id", flat=True
            )
        )
        new_rows, old_rows = [], []
        for member_id, last_active in members:
            row = existing.get(member_id)
            if row is None:
                row = MemberSignals(member_id=member_id)
                new_rows.append(row)
            else:
                old_rows.append(row)
            values = agg.get(member_id, {})
            for name in SIGNAL_FIELDS:
                if name not in KEPT:
                    setattr(row, name, values.get(name, 0 if name in ADDITIVE else None))
            row.last_active_at = _latest(row.last_active_at, last_active)
            row.is_koc = member_id in ranked_out
            apply_scores(row, weights, now)
        if new_rows:
            await MemberSignals.bulk_create(new_rows)
        if old_rows:
            fields = [n for n in SIGNAL_FIELDS if n not in KEPT]
            await MemberSignals.bulk_update(
                old_rows, [*fields, "is_koc", *SCORE_COLUMNS.values(), "scored_at"]
            )
        done += len(members)
        progress.advance(len(members))
        last_id = ids[-1]
