"""Who owns a member: assignment by staff (one member or a filter), claims from the pool (公海),
handovers between advisors, and the return to the pool after days without a follow-up.

Every change of owner goes through ``move_owners``: it sets ``Member.owner``, keeps an
``OwnerChange`` row per member (from, to, who, why, when) and moves the member's open next
actions to the new owner, in the caller's transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from koc.advisory.errors import AdvisoryErrorCode
from koc.advisory.models import FollowUp, OwnerChange, OwnerChangeReason
from koc.audit import services as audit
from koc.auth.models import StaffRole, StaffUser
from koc.auth.viewer import StaffViewer
from koc.errors import DomainError
from koc.jobs import NO_PROGRESS, Progress
from koc.members.models import Member
from koc.members.services import BULK_LIMIT, MemberFilter, filter_members

# Rows changed per statement: well below SQLite's and PostgreSQL's parameter limits.
CHUNK = 500
MAX_NOTE = 200
T = TypeVar("T")


def _now() -> datetime:
    return datetime.now(UTC)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_note(note: str) -> str:
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise DomainError(AdvisoryErrorCode.INVALID, f"At most {MAX_NOTE} characters.", "note")
    return note


async def active_advisor(staff_id: int, field: str = "advisorId") -> StaffUser:
    advisor = await StaffUser.get_or_none(id=staff_id, role=StaffRole.ADVISOR, is_active=True)
    if advisor is None:
        raise DomainError(
            AdvisoryErrorCode.ADVISOR_NOT_FOUND, "No active advisor has this ID.", field
        )
    return advisor


async def move_owners(
    owners: Sequence[tuple[int, int | None]],
    to_id: int | None,
    reason: OwnerChangeReason,
    *,
    by_id: int | None,
    note: str = "",
) -> int:
    """Give each ``(member_id, current_owner_id)`` to ``to_id`` (None: the pool); members
    already owned by ``to_id`` are left alone. Returns how many changed owner."""
    moving = [(m, owner) for m, owner in owners if owner != to_id]
    now = _now()
    for chunk in chunks(moving):
        ids = [m for m, _ in chunk]
        await Member.filter(id__in=ids).update(owner_id=to_id, owned_at=now if to_id else None)
        moved: Counter[int] = Counter()
        if to_id is not None:
            open_actions = FollowUp.filter(
                member_id__in=ids, closed_at=None, next_action_due_at__not_isnull=True
            ).exclude(advisor_id=to_id)
            moved.update(await open_actions.values_list("member_id", flat=True))
            if moved:
                await open_actions.update(advisor_id=to_id)
        await OwnerChange.bulk_create(
            [
                OwnerChange(
                    member_id=member_id,
                    from_staff_id=owner,
                    to_staff_id=to_id,
                    by_staff_id=by_id,
                    reason=reason,
                    note=note,
                    followups_moved=moved[member_id],
                    created_at=now,
                )
                for member_id, owner in chunk
            ]
        )
    return len(moving)


async def _owners(f: MemberFilter) -> list[tuple[int, int | None]]:
    rows = await filter_members(f).limit(BULK_LIMIT + 1).values_list("id", "owner_id")
    if not rows:
        raise DomainError(AdvisoryErrorCode.NO_MEMBERS, "No member matches.", "members")
    if len(rows) > BULK_LIMIT:
        raise DomainError(
            AdvisoryErrorCode.TOO_MANY_MEMBERS, f"At most {BULK_LIMIT} members per call.", "members"
        )
    return [(m, o) for m, o in rows]


async def assign(
    target: MemberFilter, advisor_id: int | None, note: str, *, actor: StaffViewer
) -> tuple[int, int]:
    """Give the members of ``target`` to an advisor, or back to the pool (``advisor_id``
    None). Returns (members matched, members whose owner changed)."""
    note = check_note(note)
    if advisor_id is not None:
        await active_advisor(advisor_id)
    async with in_transaction():
        owners = await _owners(target)
        reason = OwnerChangeReason.ASSIGN if advisor_id else OwnerChangeReason.RELEASE
        changed = await move_owners(owners, advisor_id, reason, by_id=actor.staff_id, note=note)
        await audit.record(
            actor,
            "member.owner_set",
            "Member",
            owners[0][0] if len(owners) == 1 else None,
            after={"advisorId": advisor_id, "matched": len(owners), "changed": changed},
        )
    return len(owners), changed


async def claim(member_id: int, *, actor: StaffViewer) -> Member:
    """An advisor takes a member from the pool. Of two advisors claiming the same member at
    once, one wins; the other is told the member is no longer in the pool."""
    async with in_transaction():
        member = await Member.get_or_none(id=member_id).select_for_update()
        if member is None:
            raise DomainError(AdvisoryErrorCode.MEMBER_NOT_FOUND, "No such member.", "memberId")
        if member.owner_id is not None:
            raise DomainError(
                AdvisoryErrorCode.NOT_IN_POOL, "The member is not in the pool.", "memberId"
            )
        await move_owners(
            [(member_id, None)], actor.staff_id, OwnerChangeReason.CLAIM, by_id=actor.staff_id
        )
        return await Member.get(id=member_id)


async def handover(
    from_id: int,
    to_id: int,
    member_ids: list[int] | None,
    note: str,
    *,
    actor: StaffViewer,
) -> int:
    """Move an advisor's members (all, or those named) to another advisor, with their open
    next actions. Returns how many members moved."""
    note = check_note(note)
    if from_id == to_id:
        raise DomainError(AdvisoryErrorCode.INVALID, "Hand over to another advisor.", "toAdvisorId")
    if not await StaffUser.exists(id=from_id):
        raise DomainError(AdvisoryErrorCode.ADVISOR_NOT_FOUND, "No such advisor.", "fromAdvisorId")
    await active_advisor(to_id, "toAdvisorId")
    if member_ids is not None and not member_ids:
        raise DomainError(AdvisoryErrorCode.NO_MEMBERS, "Give at least one member.", "memberIds")
    async with in_transaction():
        owned = filter_members(MemberFilter(ids=member_ids, owner_id=from_id))
        ids = await owned.values_list("id", flat=True)
        if member_ids is not None and len(ids) != len(set(member_ids)):
            raise DomainError(
                AdvisoryErrorCode.NOT_OWNED_BY_FROM,
                "Some members are not owned by the advisor handing over.",
                "memberIds",
            )
        moved = await move_owners(
            [(m, from_id) for m in ids],
            to_id,
            OwnerChangeReason.HANDOVER,
            by_id=actor.staff_id,
            note=note,
        )
        await audit.record(
            actor,
            "advisor.handover",
            "StaffUser",
            from_id,
            after={"toAdvisorId": to_id, "members": moved},
        )
    return moved


async def return_idle_to_pool(
    days: int, *, now: datetime | None = None, progress: Progress = NO_PROGRESS
) -> int:
    """Members owned for ``days`` with no follow-up in that time go back to the pool (a job:
    ``koc advisory pool-return``). Returns how many went back."""
    cutoff = (now or _now()) - timedelta(days=days)
    recent = FollowUp.filter(created_at__gte=cutoff).values("member_id")
    idle = Member.filter(owner_id__not_isnull=True, owned_at__lt=cutoff).exclude(
        id__in=Subquery(recent)
    )
    rows = await idle.values_list("id", "owner_id")
    progress.expect(len(rows))
    returned = 0
    for chunk in chunks(rows):
        async with in_transaction():
            # Only those still idle and still with the same owner when the chunk is written.
            still = await idle.filter(id__in=[m for m, _ in chunk]).values_list("id", "owner_id")
            returned += await move_owners(
                [(m, o) for m, o in still],
                None,
                OwnerChangeReason.POOL_TIMEOUT,
                by_id=None,
                note=f"no follow-up for {days} days",
            )
        progress.advance(len(chunk))
    return returned
