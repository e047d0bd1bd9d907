"""Follow-ups: every contact of an advisor with a member, the sales step it served, and the next
action it calls for; the advisor's queue of what is due.

A follow-up may move the member to a lifecycle stage (a recorded test drive moves a lead to
TEST_DRIVE) and tells KOC discovery the member engaged (the ``FollowUpRecorded`` event).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from koc.advisory.errors import AdvisoryErrorCode
from koc.advisory.models import FollowUp, FollowUpChannel, SalesStep
from koc.auth.viewer import StaffViewer
from koc.errors import DomainError
from koc.events import FollowUpDue, FollowUpRecorded, publish, publish_many
from koc.jobs import NO_PROGRESS, Progress
from koc.members import services as members
from koc.members.models import LifecycleStage, Member

MAX_NOTE = 2000
MAX_ACTION = 200
# A due time further ahead than this is a typo, not a plan.
MAX_AHEAD = timedelta(days=366)
CHUNK = 500


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class FollowUpData:
    member_id: int
    channel: FollowUpChannel
    step: SalesStep
    note: str = ""
    next_action: str = ""
    next_action_due_at: datetime | None = None
    stage: str | None = None  # a lifecycle stage code to move the member to
    close_open: bool = True  # this contact closes the member's open next actions


def _checked(data: FollowUpData) -> FollowUpData:
    note, action = data.note.strip(), data.next_action.strip()
    if len(note) > MAX_NOTE:
        raise DomainError(AdvisoryErrorCode.INVALID, f"At most {MAX_NOTE} characters.", "note")
    if len(action) > MAX_ACTION:
        raise DomainError(
            AdvisoryErrorCode.INVALID, f"At most {MAX_ACTION} characters.", "nextAction"
        )
    due = data.next_action_due_at
    if bool(action) != (due is not None):
        raise DomainError(
            AdvisoryErrorCode.INVALID,
            "Give the next action and its due time together.",
            "nextActionDueAt" if action else "nextAction",
        )
    if due is not None:
        if due.tzinfo is None:
            raise DomainError(
                AdvisoryErrorCode.INVALID, "The due time must carry a time zone.", "nextActionDueAt"
            )
        if due > _now() + MAX_AHEAD:
            raise DomainError(AdvisoryErrorCode.INVALID, "Due within a year.", "nextActionDueAt")
        due = due.astimezone(UTC)
    return FollowUpData(
        data.member_id, data.channel, data.step, note, action, due, data.stage, data.close_open
    )


async def record(data: FollowUpData, *, actor: StaffViewer) -> FollowUp:
    """Record a contact by ``actor`` (the caller's right to serve the member is checked by the
    caller). With ``stage``, the member moves there in the same transaction."""
    data = _checked(data)
    async with in_transaction():
        member = await Member.get_or_none(id=data.member_id)
        if member is None:
            raise DomainError(AdvisoryErrorCode.MEMBER_NOT_FOUND, "No such member.", "memberId")
        stage_id = None
        if data.stage is not None:
            stage = await LifecycleStage.get_or_none(code=data.stage)
            if stage is None:
                raise DomainError(
                    AdvisoryErrorCode.STAGE_NOT_FOUND, f"No stage {data.stage!r}.", "stage"
                )
            stage_id = stage.id
        now = _now()
        if data.close_open:
            await FollowUp.filter(member_id=data.member_id, closed_at=None).update(closed_at=now)
        follow_up = await FollowUp.create(
            member_id=data.member_id,
            advisor_id=actor.staff_id,
            channel=data.channel,
            step=data.step,
            note=data.note,
            next_action=data.next_action,
            next_action_due_at=data.next_action_due_at,
            closed_at=None if data.next_action_due_at else now,
        )
        if data.stage is not None and member.stage_id != stage_id:
            reason = f"follow-up: {data.channel.value.lower().replace('_', ' ')}"
            await members.set_member_stage(data.member_id, data.stage, reason, actor=actor)
        await publish(
            FollowUpRecorded(
                member_id=data.member_id, advisor_id=actor.staff_id, at=follow_up.created_at
            )
        )
    return follow_up


async def close(follow_up_id: int, *, actor: StaffViewer) -> FollowUp:
    """Mark the next action of a follow-up done (the caller's own, or any for staff)."""
    async with in_transaction():
        row = await FollowUp.get_or_none(id=follow_up_id).select_for_update()
        if row is None or (actor.is_advisor and row.advisor_id != actor.staff_id):
            raise DomainError(
                AdvisoryErrorCode.FOLLOW_UP_NOT_FOUND, "No such follow-up of yours.", "id"
            )
        if row.closed_at is None:
            row.closed_at = _now()
            await row.save(update_fields=["closed_at"])
    return row


def due_actions(advisor_id: int, until: datetime) -> QuerySet[FollowUp]:
    """Open next actions of an advisor due by ``until`` (overdue ones included), soonest first
    when paged by due time."""
    return FollowUp.filter(advisor_id=advisor_id, closed_at=None, next_action_due_at__lte=until)


def uncontacted_leads(advisor_id: int) -> QuerySet[Member]:
    """Members the advisor owns and has never followed up."""
    contacted = FollowUp.filter(advisor_id=advisor_id).values("member_id")
    return Member.filter(owner_id=advisor_id).exclude(id__in=Subquery(contacted))


async def remind_due(*, now: datetime | None = None, progress: Progress = NO_PROGRESS) -> int:
    """Publish ``FollowUpDue`` once for every open next action that came due (a scheduled
    task); returns how many reminders went out."""
    now = now or _now()
    due = FollowUp.filter(closed_at=None, reminded_at=None, next_action_due_at__lte=now)
    rows = await due.order_by("id").values_list(
        "id", "member_id", "advisor_id", "next_action_due_at"
    )
    progress.expect(len(rows))
    sent = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        async with in_transaction():
            # Only those no concurrent run reminded first: the event goes out once.
            ids = [r[0] for r in chunk]
            claimed = set(await due.filter(id__in=ids).values_list("id", flat=True))
            await FollowUp.filter(id__in=list(claimed)).update(reminded_at=now)
            events = [
                FollowUpDue(follow_up_id=f, member_id=m, advisor_id=a, due_at=d)
                for f, m, a, d in chunk
                if f in claimed
            ]
            await publish_many(events)
            sent += len(events)
        progress.advance(len(chunk))
    return sent
