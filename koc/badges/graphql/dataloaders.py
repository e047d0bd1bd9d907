"""Batch functions behind the badges feature's DataLoaders (one SQL statement each, except
progress, which needs five for any number of members)."""

from __future__ import annotations

from collections.abc import Sequence

from koc.badges.models import Badge, BadgeAwardEvent, BadgeHolding
from koc.badges.rules import Progress
from koc.badges.showing import progress_of
from koc.graphql.loaders import by_key, group_by_key
from koc.rows import RowsByKey

BADGES = RowsByKey(Badge, "id")
HOLDINGS = RowsByKey(BadgeHolding, "member_id", order_by=("awarded_at", "id"))


async def load_badges(ids: Sequence[int]) -> list[Badge | None]:
    return by_key(await BADGES.fetch(ids), ids, lambda b: b.id)


async def load_holdings(member_ids: Sequence[int]) -> list[list[BadgeHolding]]:
    return group_by_key(await HOLDINGS.fetch(member_ids), member_ids, lambda h: h.member_id)


async def load_award_events(member_ids: Sequence[int]) -> list[list[BadgeAwardEvent]]:
    rows = await BadgeAwardEvent.filter(member_id__in=list(member_ids)).order_by("id")
    return group_by_key(rows, member_ids, lambda e: e.member_id)


async def load_progress(member_ids: Sequence[int]) -> list[list[tuple[Badge, Progress]]]:
    return await progress_of(member_ids)
