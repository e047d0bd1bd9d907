"""What a reader outside koc sees of an outbox event: its payload, with each member it names
filled in, and personal fields only where the reader may have them.

A member appears as ``{"id": <Member global id>, "phone": ..., "unionid": ...}``. The phone
and unionid are there only for a partner token holding ``members:read`` and only for members
whose SHARING consent allows giving their data to partners (PIPL art. 23); otherwise they are
null. Staff read the feed without them (they have the member screens, where unmasking is
recorded with a reason). A partner's read of a phone or unionid is recorded, as any other
unmasked read is (koc.privacy.access).

Why the outbox stores no personal field and readers fill them in: a payload is rendered when it
is read or sent, so a member who withdrew consent or was erased since is shown as they are now.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from koc.auth.models import PartnerScope
from koc.auth.viewer import PartnerViewer
from koc.consent.models import Purpose
from koc.consent.services import may_process
from koc.events.catalog import gid
from koc.events.models import OutboxEvent
from koc.members.models import Member
from koc.privacy.access import record_reads
from koc.privacy.models import AccessField

MEMBER_REF = "$member"


def _time(row: OutboxEvent) -> str:
    return row.occurred_at.isoformat().replace("+00:00", "Z")


def webhook_id(row: OutboxEvent) -> str:
    """The event's id as partners see it: the ``webhook-id`` of every delivery of it."""
    return f"evt_{row.id}"


def _refs(value: Any) -> Iterator[int]:
    if isinstance(value, dict):
        if MEMBER_REF in value:
            yield int(value[MEMBER_REF])
        else:
            for v in value.values():
                yield from _refs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _refs(v)


def _filled(value: Any, people: dict[int, tuple[str | None, str | None]]) -> Any:
    if isinstance(value, dict):
        if MEMBER_REF in value:
            member_id = int(value[MEMBER_REF])
            phone, unionid = people.get(member_id, (None, None))
            return {"id": gid("Member", member_id), "phone": phone, "unionid": unionid}
        return {k: _filled(v, people) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, people) for v in value]
    return value


def may_see_personal(partner: PartnerViewer | None) -> bool:
    return partner is not None and partner.has_scope(PartnerScope.MEMBERS_READ)


async def render(
    rows: Sequence[OutboxEvent], *, partner: PartnerViewer | None, reason: str
) -> list[dict[str, Any]]:
    """The payloads of ``rows`` as ``partner`` may see them (``None``: no personal field), in a
    constant number of statements: consent, the members' fields, the access records."""
    people: dict[int, tuple[str | None, str | None]] = {}
    if may_see_personal(partner):
        assert partner is not None
        named = {m for row in rows for m in _refs(row.data)}
        sharing = await may_process(named, Purpose.SHARING) if named else set()
        if sharing:
            for member_id, phone, unionid in await Member.filter(id__in=sharing).values_list(
                "id", "phone", "unionid"
            ):
                people[member_id] = (phone, unionid)
            reads = [
                (partner, member_id, field, reason)
                for member_id, (phone, unionid) in people.items()
                for field, value in ((AccessField.PHONE, phone), (AccessField.UNIONID, unionid))
                if value
            ]
            if reads:
                await record_reads(reads)
    return [
        {
            "id": webhook_id(row),
            "type": row.type,
            "position": row.position,
            "timestamp": _time(row),
            "data": _filled(row.data, people),
        }
        for row in rows
    ]
