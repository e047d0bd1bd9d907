"""Batch functions behind the members feature's DataLoaders (one SQL statement each)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import NamedTuple

from koc.auth.models import StaffUser
from koc.graphql.loaders import by_key, group_by_key
from koc.members.models import (
    Gender,
    LifecycleStage,
    Member,
    MemberTag,
    StageAutoRule,
    StageTransition,
    Tag,
    TagGroup,
)
from koc.rows import RowsByKey


class MemberRow(NamedTuple):
    """What the Member type reads of a member."""

    id: int
    unionid: str | None
    phone: str | None
    nickname: str
    avatar_url: str
    gender: Gender
    birthday: date | None
    region: str
    source_channel: str
    order_count: int
    created_at: datetime
    last_active_at: datetime | None
    stage_id: int | None
    owner_id: int | None
    owned_at: datetime | None


class StageRow(NamedTuple):
    """What the LifecycleStage type reads of a stage."""

    id: int
    code: str
    name: str
    position: int
    auto_rule: StageAutoRule | None
    description: str


MEMBERS = RowsByKey(Member, MemberRow, "id")
STAGES = RowsByKey(LifecycleStage, StageRow, "id")


async def load_members(ids: Sequence[int]) -> list[MemberRow | None]:
    return by_key(await MEMBERS.fetch(ids), ids, lambda m: m.id)


async def load_stages(ids: Sequence[int]) -> list[StageRow | None]:
    return by_key(await STAGES.fetch(ids), ids, lambda s: s.id)


async def load_tags(ids: Sequence[int]) -> list[Tag | None]:
    return by_key(await Tag.filter(id__in=list(ids)), ids, lambda t: t.id)


async def load_tag_groups(ids: Sequence[int]) -> list[TagGroup | None]:
    return by_key(await TagGroup.filter(id__in=list(ids)), ids, lambda g: g.id)


async def load_tags_of_groups(group_ids: Sequence[int]) -> list[list[Tag]]:
    rows = await Tag.filter(group_id__in=list(group_ids)).order_by("id")
    return group_by_key(rows, group_ids, lambda t: t.group_id)


async def load_member_tags(member_ids: Sequence[int]) -> list[list[MemberTag]]:
    rows = await MemberTag.filter(member_id__in=list(member_ids)).order_by("id")
    return group_by_key(rows, member_ids, lambda mt: mt.member_id)


async def load_staff_names(ids: Sequence[int]) -> list[str | None]:
    rows = await StaffUser.filter(id__in=list(ids)).values_list("id", "username")
    names = dict(rows)
    return [names.get(i) for i in ids]


async def load_transitions(member_ids: Sequence[int]) -> list[list[StageTransition]]:
    rows = await StageTransition.filter(member_id__in=list(member_ids)).order_by("id")
    return group_by_key(rows, member_ids, lambda t: t.member_id)
