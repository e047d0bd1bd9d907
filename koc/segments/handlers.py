"""How segments react to the rest of koc: a member's facts changed, so the tag rules that read
that kind of fact are re-evaluated for them; a member event arrived, so the stage rules of its
kind move the member. koc/wiring.py subscribes these, after every other feature's handler of
the same event (they read what those wrote: roles, badges, conversions)."""

from __future__ import annotations

from collections.abc import Sequence

from koc.events import (
    KocStatusChanged,
    MemberBadgesChanged,
    MemberEventRecorded,
    MemberStageChanged,
    MemberTagsChanged,
    OrderRecorded,
    OrderRefunded,
    ReferralConverted,
    ReferralReversed,
    SurveyResponded,
)
from koc.segments.layering import apply_stage_rules, relayer


def _ids(ids: Sequence[int]) -> list[int]:
    return list(dict.fromkeys(ids))


async def on_orders_recorded(events: Sequence[OrderRecorded]) -> None:
    await relayer(_ids([e.member.id for e in events]), "orders")


async def on_order_refunded(e: OrderRefunded) -> None:
    await relayer([e.member.id], "orders")


async def on_member_events_recorded(events: Sequence[MemberEventRecorded]) -> None:
    # Stage rules first: a tag rule reading the stage then sees where the event moved them.
    await apply_stage_rules([(e.member, e.member_event.kind, e.member_event.id) for e in events])
    await relayer(_ids([e.member.id for e in events]), "events")


async def on_tags_changed(e: MemberTagsChanged) -> None:
    await relayer(list(e.member_ids), "tags")


async def on_stages_changed(events: Sequence[MemberStageChanged]) -> None:
    await relayer(_ids([e.member.id for e in events]), "stage")


async def on_koc_status_changed(e: KocStatusChanged) -> None:
    await relayer([e.member.id], "koc")


async def on_badges_changed(e: MemberBadgesChanged) -> None:
    await relayer(list(e.member_ids), "badges")


async def on_referrals_converted(events: Sequence[ReferralConverted]) -> None:
    await relayer(_ids([e.referrer_id for e in events]), "referrals")


async def on_referral_reversed(e: ReferralReversed) -> None:
    await relayer([e.referrer_id], "referrals")


async def on_survey_responded(e: SurveyResponded) -> None:
    if not e.anonymous:  # an anonymous response names nobody
        await relayer([e.member_id], "survey")
