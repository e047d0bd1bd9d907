"""Recording staff actions. Call inside the same transaction as the change it records."""

from __future__ import annotations

from typing import Any, Protocol

from koc.audit.models import AuditEntry


class Actor(Protocol):
    """Who did it, as the log records them: a staff account. ``koc.auth.viewer.StaffViewer``
    is one; the audit log (and the members below auth) need no more of it than this."""

    @property
    def staff_id(self) -> int: ...

    @property
    def username(self) -> str: ...


async def record(
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: Any = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_label: str | None = None,
) -> AuditEntry:
    """Append one audit entry; ``actor`` None means the system or the CLI (``actor_label``)."""
    return await AuditEntry.create(
        staff_id=actor.staff_id if actor else None,
        actor=actor.username if actor else (actor_label or "system"),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=before,
        after=after,
    )
