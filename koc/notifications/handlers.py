"""How notifications react to the rest of koc through ``koc.hooks``, until the typed events
land: a KOC activated, badges awarded. Each reaction is a trigger of
``koc.notifications.triggers``, so wiring it to an event is one line. Connected when the
feature is imported."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from koc import hooks
from koc.members.models import Member
from koc.notifications import triggers


async def _on_koc_status_changed(member: Member, status: str, roles: Sequence[str]) -> None:
    if status == "ACTIVE":
        await triggers.kocs_activated([member.id], roles)


async def _on_member_badges_changed(member_ids: Sequence[int], **_: Any) -> None:
    await triggers.badges_awarded(member_ids)


hooks.koc_status_changed.connect(_on_koc_status_changed)
hooks.member_badges_changed.connect(_on_member_badges_changed)
