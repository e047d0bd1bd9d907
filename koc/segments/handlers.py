"""How segments react to the rest of koc: a member's facts changed, so the tag rules that read
that kind of fact are re-evaluated for them; a member event arrived, so the stage rules of its
kind move the member. Connected when the feature is imported (until typed events land, through
koc.hooks); each reaction is a plain async function that can be re-wired."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from koc import hooks
from koc.segments.layering import apply_stage_rules, relayer


async def on_orders(calls: Sequence[dict[str, Any]]) -> None:
    await relayer(list(dict.fromkeys(c["member"].id for c in calls)), "orders")


async def on_events(calls: Sequence[dict[str, Any]]) -> None:
    # Stage rules first: a tag rule reading the stage then sees where the event moved them.
    await apply_stage_rules([(c["member"], c["event"].kind, c["event"].id) for c in calls])
    await relayer(list(dict.fromkeys(c["member"].id for c in calls)), "events")


async def on_tags(member_ids: list[int], **_: Any) -> None:
    await relayer(member_ids, "tags")


async def on_stages(calls: Sequence[dict[str, Any]]) -> None:
    await relayer(list(dict.fromkeys(c["member"].id for c in calls)), "stage")


async def on_koc_status(member: Any, **_: Any) -> None:
    await relayer([member.id], "koc")


async def on_badges(member_ids: list[int], **_: Any) -> None:
    await relayer(member_ids, "badges")


async def on_referrals(calls: Sequence[dict[str, Any]]) -> None:
    await relayer(list(dict.fromkeys(c["referrer_id"] for c in calls)), "referrals")


async def on_survey(member_id: int | None, **_: Any) -> None:
    if member_id is not None:  # an anonymous response names nobody
        await relayer([member_id], "survey")


hooks.order_recorded.connect_batch(on_orders)
hooks.order_refunded.connect_batch(on_orders)
hooks.member_event_recorded.connect_batch(on_events)
hooks.member_tags_changed.connect(on_tags)
hooks.member_stage_changed.connect_batch(on_stages)
hooks.koc_status_changed.connect(on_koc_status)
hooks.member_badges_changed.connect(on_badges)
hooks.referral_converted.connect_batch(on_referrals)
hooks.referral_reversed.connect_batch(on_referrals)
hooks.survey_responded.connect(on_survey)
