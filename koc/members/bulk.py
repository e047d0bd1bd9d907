"""Tag changes over a filter, as a job (``memberTagsAdd`` / ``memberTagsRemove`` with a
``filter``): a filter can match every member, so the change runs in a worker, a chunk of
members per transaction, with progress the caller reads through ``job(id)``.

The filter is applied when the job runs, in member id order; running the change again is
harmless (tags already held are not added twice), which is what a job whose worker died does.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.audit.services import Actor
from koc.errors import DomainError
from koc.jobs import Progress
from koc.members.errors import TagErrorCode
from koc.members.models import TagSource
from koc.members.services import (
    MemberFilter,
    apply_tags,
    exclusive_choices,
    filter_members,
    resolve_tags,
    take_off_tags,
)
from koc.worker import start_job
from koc.worker.models import Job

TAGS_CHANGE = "members.tags_change"
CHUNK = 1000
_DATES = ("created_from", "created_to", "active_from", "active_to", "rule_at")


@dataclasses.dataclass(frozen=True)
class _Staff:
    """The staff member who started the job, as the audit log records them."""

    staff_id: int
    username: str


def _dump(f: MemberFilter) -> dict[str, Any]:
    data = dataclasses.asdict(f)
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


def _load(data: dict[str, Any]) -> MemberFilter:
    return MemberFilter(
        **{k: datetime.fromisoformat(v) if k in _DATES and v else v for k, v in data.items()}
    )


async def start_tags_change(
    f: MemberFilter, tag_ids: list[int], cause: str, *, add: bool, actor: Actor
) -> tuple[int, Job]:
    """Check the change, then queue it. Returns how many members match now, and the job."""
    if len(cause) > 200:
        raise DomainError(TagErrorCode.INVALID, "Note is at most 200 characters.", "note")
    exclusive_choices(await resolve_tags(tag_ids))
    matched = await filter_members(f).count()
    if not matched:
        raise DomainError(TagErrorCode.NO_MEMBERS, "No member matches.", "members")
    job = await start_job(
        TAGS_CHANGE,
        staff_id=actor.staff_id,
        filter=_dump(f),
        tag_ids=tag_ids,
        cause=cause,
        add=add,
        actor={"staff_id": actor.staff_id, "username": actor.username},
    )
    return matched, job


async def change_tags(
    progress: Progress,
    filter: dict[str, Any],
    tag_ids: list[int],
    cause: str,
    add: bool,
    actor: dict[str, Any],
) -> str:
    f = _load(filter)
    viewer = _Staff(**actor)
    tags = await resolve_tags(tag_ids)
    progress.expect(await filter_members(f).count())
    members = changed = last_id = 0
    while ids := list(
        await filter_members(f)
        .filter(id__gt=last_id)
        .order_by("id")
        .limit(CHUNK)
        .values_list("id", flat=True)
    ):
        async with in_transaction():
            if add:
                changed += await apply_tags(
                    ids, tags, source=TagSource.MANUAL, staff_id=viewer.staff_id, cause=cause
                )
            else:
                changed += await take_off_tags(
                    ids, tags, removed_by=viewer.staff_id, reason="taken off by staff"
                )
        members, last_id = members + len(ids), ids[-1]
        progress.advance(len(ids))
    record = {"tagIds": [t.id for t in tags], "members": members}
    if add:
        await audit.record(viewer, "member_tags.add", "Member", after={**record, "added": changed})
    else:
        await audit.record(
            viewer, "member_tags.remove", "Member", before={**record, "removed": changed}
        )
    verb = "added to" if add else "removed from"
    return f"{changed} tag assignments {verb} {members} members"
