"""How notifications react to the rest of koc's events (connected in ``koc.wiring``): each
reaction is a trigger of ``koc.notifications.triggers``."""

from __future__ import annotations

from koc.events import KocStatusChanged, MemberBadgesChanged
from koc.notifications import triggers


async def on_koc_status_changed(e: KocStatusChanged) -> None:
    if e.status == "ACTIVE":
        await triggers.kocs_activated([e.member.id], e.roles)


async def on_badges_changed(e: MemberBadgesChanged) -> None:
    await triggers.badges_awarded(e.member_ids)
