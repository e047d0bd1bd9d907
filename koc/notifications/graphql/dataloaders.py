"""Batch functions behind the notifications feature's DataLoaders (one statement each)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from koc.graphql.loaders import by_key, group_by_key
from koc.graphql.relay import Children
from koc.notifications.inbox import unread_counts
from koc.notifications.models import (
    Notification,
    NotificationKind,
    SubscribeGrant,
    SubscribeMessage,
)


class NotificationRow(NamedTuple):
    """What the Notification type reads of an inbox entry."""

    id: int
    member_id: int
    kind: NotificationKind
    title: str
    body: str
    link: str
    read_at: datetime | None
    created_at: datetime


# The Member type's inbox, paged for every member of a request at once.
INBOX = Children(Notification, NotificationRow, parent="member_id")
UNREAD = Children(Notification, NotificationRow, parent="member_id", where='"read_at" IS NULL')


async def load_unread_counts(member_ids: Sequence[int]) -> list[int]:
    counts = await unread_counts(list(member_ids))
    return [counts[m] for m in member_ids]


async def load_grants_of_members(member_ids: Sequence[int]) -> list[list[SubscribeGrant]]:
    rows = await SubscribeGrant.filter(member_id__in=list(member_ids)).order_by("template_id")
    return group_by_key(rows, member_ids, lambda g: g.member_id)


async def load_notifications(ids: Sequence[int]) -> list[Notification | None]:
    return by_key(await Notification.filter(id__in=list(ids)), ids, lambda n: n.id)


async def load_messages(ids: Sequence[int]) -> list[SubscribeMessage | None]:
    return by_key(await SubscribeMessage.filter(id__in=list(ids)), ids, lambda m: m.id)
