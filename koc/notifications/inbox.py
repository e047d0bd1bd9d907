"""Notifications: every one lands in the member's in-app inbox, and a subscribe message is
queued beside it when its kind is mapped to a template.

``notify`` runs inside the transaction of the change it reports, so a change that rolls back
notifies nobody; a replayed event (same kind, member and key) adds nothing, so each happening
gives at most one inbox entry and one message per member and template.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from koc.consent.models import Purpose
from koc.consent.services import may_process
from koc.db import fetch
from koc.errors import DomainError
from koc.notifications.errors import NotificationErrorCode as Code
from koc.notifications.jobs import enqueue_delivery
from koc.notifications.kinds import SPECS, render
from koc.notifications.models import (
    Notification,
    NotificationKind,
    SubscribeMessage,
    TemplateMapping,
)
from koc.rows import fetch_models, insert_models
from koc.settings import get_settings

BATCH = 1000  # rows per statement for a large audience


@dataclass(frozen=True)
class Recipient:
    member_id: int
    key: str  # names the happening, e.g. "badge:12:award:40"
    fields: Mapping[str, Any]


def display(value: Any, tz: ZoneInfo) -> str:
    """A field as the member reads it: times in the brand's time zone, WeChat's format."""
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y年%m月%d日 %H:%M")
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


async def notify(
    kind: NotificationKind, recipients: Sequence[Recipient], *, now: datetime | None = None
) -> list[int]:
    """Put a notification of ``kind`` in each recipient's inbox and queue its subscribe message;
    returns the ids of the notifications made now (a replay makes none)."""
    if not recipients:
        return []
    now = now or datetime.now(UTC)
    tz = ZoneInfo(get_settings().notify_time_zone)
    spec = SPECS[kind]
    # kind is unique: a fixed statement, not an ORM query built for every order's badge
    mapping = next(
        (m for m in await fetch_models(TemplateMapping, "kind", [kind.value]) if m.enabled), None
    )
    made: list[int] = []
    for start in range(0, len(recipients), BATCH):
        chunk = recipients[start : start + BATCH]
        if spec.marketing:  # marketing reaches only members who consented, inbox included
            allowed = await may_process([r.member_id for r in chunk], Purpose.MARKETING)
            chunk = [r for r in chunk if r.member_id in allowed]
        existing = await _existing(kind, chunk)
        rows = []
        for r in chunk:
            if (r.member_id, r.key[:128]) in existing:
                continue
            data = {name: display(r.fields.get(name), tz) for name in spec.fields}
            link = (
                render(mapping.page, data) if mapping and mapping.page else render(spec.link, data)
            )
            rows.append(
                Notification(
                    member_id=r.member_id,
                    kind=kind,
                    key=r.key[:128],
                    title=render(spec.title, data)[:100],
                    body=render(spec.body, data)[:500],
                    link=link[:500],
                    data=data,
                    created_at=now,
                )
            )
        # RETURNING tells which rows are new (one that a concurrent call inserted first is not)
        fresh = {
            (n.member_id, n.key): n.id for n in await insert_models(rows, ignore_conflicts=True)
        }
        made += fresh.values()
        if mapping is not None and fresh:
            await SubscribeMessage.bulk_create(
                [
                    SubscribeMessage(
                        notification_id=notification_id,
                        member_id=member_id,
                        kind=kind,
                        template_id=mapping.template_id,
                        send_after=now,
                        created_at=now,
                        updated_at=now,
                    )
                    for (member_id, _), notification_id in fresh.items()
                ],
                ignore_conflicts=True,
            )
            queued = await SubscribeMessage.filter(
                notification_id__in=list(fresh.values())
            ).values_list("id", flat=True)
            await enqueue_delivery(queued)
    return made


async def _existing(
    kind: NotificationKind, chunk: Sequence[Recipient]
) -> dict[tuple[int, str], int]:
    """(member id, key) -> notification id of the chunk's notifications that exist."""
    if not chunk:
        return {}
    members = list({r.member_id for r in chunk})
    keys = list({r.key[:128] for r in chunk})
    member_marks = ", ".join("?" for _ in members)
    key_marks = ", ".join("?" for _ in keys)
    rows = await fetch(
        'SELECT id, member_id, "key" FROM notify_notification WHERE kind = ?'
        f' AND member_id IN ({member_marks}) AND "key" IN ({key_marks})',
        [kind.value, *members, *keys],
    )
    wanted = {(r.member_id, r.key[:128]) for r in chunk}
    return {(mid, key): nid for nid, mid, key in rows if (mid, key) in wanted}


async def mark_read(
    member_id: int, notification_ids: Iterable[int] | None, *, now: datetime | None = None
) -> int:
    """Mark the member's notifications read (all of them when ``notification_ids`` is None);
    returns how many were unread."""
    query = Notification.filter(member_id=member_id, read_at__isnull=True)
    if notification_ids is not None:
        ids = list(notification_ids)
        owned = await Notification.filter(member_id=member_id, id__in=ids).count()
        if owned != len(set(ids)):
            raise DomainError(Code.NOT_FOUND, "You have no notification with this ID.", "ids")
        query = query.filter(id__in=ids)
    return await query.update(read_at=now or datetime.now(UTC))


async def unread_counts(member_ids: Sequence[int]) -> dict[int, int]:
    """Unread notifications per member, in one statement."""
    if not member_ids:
        return {}
    marks = ", ".join("?" for _ in member_ids)
    rows = await fetch(
        "SELECT member_id, COUNT(*) FROM notify_notification"
        f" WHERE read_at IS NULL AND member_id IN ({marks}) GROUP BY member_id",
        list(member_ids),
    )
    counts = dict.fromkeys(member_ids, 0)
    counts.update({m: int(c) for m, c in rows})
    return counts
