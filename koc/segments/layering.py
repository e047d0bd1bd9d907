"""Automatic layering (分层): tag rules keep a tag on exactly the members of a segment, stage
rules move members along the pipeline when an event arrives.

A tag rule is evaluated for the members whose facts changed (``koc.segments.handlers``), for
everyone when it is made or its segment's rule changes (backfill), and for everyone by the
periodic recompute (``koc segments recompute``), which is what catches a member ageing out of a
``withinDays`` window. Members who withdrew PROFILING consent are never tagged or moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.audit.services import Actor
from koc.consent.models import Purpose
from koc.consent.services import may_process
from koc.consent.tags import apply_automatic_tags
from koc.errors import DomainError
from koc.events import MemberTagsChanged, publish
from koc.events.memo import once_per_version
from koc.members.models import LifecycleStage, Member, MemberTag, Tag, TagSource
from koc.members.services import move_automatically
from koc.members.stages import should_advance
from koc.members.tag_removals import drop_member_tags
from koc.privileges.catalogue import refresh_later
from koc.privileges.eligibility import refresh_member_grants
from koc.privileges.models import Privilege
from koc.segments import rules as r
from koc.segments import services
from koc.segments.errors import SegmentErrorCode
from koc.segments.models import Segment, StageRule, TagRule

BATCH = 5000


def _now() -> datetime:
    return datetime.now(UTC)


def cause_of(rule: TagRule) -> str:
    """The cause an automatic tag carries: which rule put it there."""
    return f"tagRule:{rule.id}"


# --- loops ---------------------------------------------------------------------------------


def find_loop(edges: Sequence[tuple[frozenset[int], int]]) -> bool:
    """Whether tag rules, each (tags its segment reads, tag it sets), trigger one another in a
    circle: a rule setting tag b that reads a, with a path back from b to a."""
    sets: dict[int, set[int]] = {}
    for reads, tag in edges:
        for read in reads:
            sets.setdefault(read, set()).add(tag)
    state: dict[int, int] = {}  # 1 on the path, 2 done

    def visit(tag: int) -> bool:
        state[tag] = 1
        for nxt in sets.get(tag, ()):
            if state.get(nxt) == 1 or (nxt not in state and visit(nxt)):
                return True
        state[tag] = 2
        return False

    return any(tag not in state and visit(tag) for tag in list(sets))


async def _refuse_loops(extra: Sequence[tuple[frozenset[int], int]] = ()) -> None:
    rules = await TagRule.filter(active=True).select_related("segment")
    edges = [(frozenset(r.tags_read(services.rule_of(t.segment))), t.tag_id) for t in rules]
    if find_loop([*edges, *extra]):
        raise DomainError(
            SegmentErrorCode.RULE_LOOP,
            "The rule would trigger itself: its segment reads the tag it sets (directly or "
            "through other tag rules).",
            "segmentId",
        )


# --- tag rules -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Layered:
    added: int = 0
    removed: int = 0


async def apply_tag_rule(
    rule: TagRule, member_ids: Sequence[int] | None = None, now: datetime | None = None
) -> Layered:
    """Make the rule's tag sit on exactly the matching members, among ``member_ids`` or
    everyone: add it (AUTO, caused by the rule) to members who match and allow PROFILING,
    take the rule's own tag off members who stopped matching (a tag staff put on stays).
    Call inside a transaction."""
    segment = await Segment.get(id=rule.segment_id)
    matching = services.segment_members(segment, now or _now())
    scope = {} if member_ids is None else {"member_id__in": list(member_ids)}
    if member_ids is not None:
        matching = matching.filter(id__in=list(member_ids))
    caused = MemberTag.filter(tag_id=rule.tag_id, source=TagSource.AUTO, cause=cause_of(rule))
    stale = (
        await caused.filter(**scope)
        .exclude(member_id__in=Subquery(matching.values("id")))
        .values_list("member_id", flat=True)
    )
    if stale:
        await drop_member_tags(
            MemberTag.filter(tag_id=rule.tag_id, member_id__in=list(stale)),
            removed_by=None,
            reason=f"{cause_of(rule)}: no longer matches",
        )
        await publish(MemberTagsChanged(member_ids=list(stale)))
    tag = await Tag.get(id=rule.tag_id).prefetch_related("group")
    holders = Subquery(MemberTag.filter(tag_id=rule.tag_id).values("member_id"))
    added, after = 0, 0
    while (
        ids := await matching.filter(id__gt=after)
        .exclude(id__in=holders)
        .order_by("id")
        .limit(BATCH)
        .values_list("id", flat=True)
    ):
        added += await apply_automatic_tags(ids, [tag], source=TagSource.AUTO, cause=cause_of(rule))
        after = ids[-1]
    return Layered(added=added, removed=len(stale))


async def create_tag_rule(segment_id: int, tag_id: int, *, actor: Actor) -> tuple[TagRule, Layered]:
    """Make a tag rule and backfill it over every member. Refused when it would trigger
    itself."""
    async with in_transaction():
        segment = await Segment.get_or_none(id=segment_id)
        if segment is None:
            raise DomainError(SegmentErrorCode.NOT_FOUND, "No such segment.", "segmentId")
        if not await Tag.exists(id=tag_id):
            raise DomainError(SegmentErrorCode.NOT_FOUND, "No such tag.", "tagId")
        if await TagRule.exists(segment_id=segment_id, tag_id=tag_id):
            raise DomainError(SegmentErrorCode.DUPLICATE, "This tag rule exists.", "tagId")
        await _refuse_loops([(frozenset(r.tags_read(services.rule_of(segment))), tag_id)])
        rule = await TagRule.create(segment_id=segment_id, tag_id=tag_id, staff_id=actor.staff_id)
        done = await apply_tag_rule(rule)
        await audit.record(
            actor,
            "tag_rule.create",
            "TagRule",
            rule.id,
            after={"segmentId": segment_id, "tagId": tag_id, "added": done.added},
        )
    return rule, done


async def delete_tag_rule(rule_id: int, *, actor: Actor) -> int:
    """Delete a tag rule and take its tag off the members it put it on. Returns how many."""
    async with in_transaction():
        rule = await TagRule.get_or_none(id=rule_id).select_for_update()
        if rule is None:
            raise DomainError(SegmentErrorCode.NOT_FOUND, "No such tag rule.", "id")
        members = await drop_member_tags(
            MemberTag.filter(tag_id=rule.tag_id, source=TagSource.AUTO, cause=cause_of(rule)),
            removed_by=actor.staff_id,
            reason=f"{cause_of(rule)}: rule deleted",
        )
        if members:
            await publish(MemberTagsChanged(member_ids=members))
        await rule.delete()
        await audit.record(
            actor, "tag_rule.delete", "TagRule", rule_id, before={"removed": len(members)}
        )
    return len(members)


async def update_segment(segment_id: int, *, actor: Actor, **changes: object) -> Segment:
    """``services.update_segment``, then: refuse a rule that makes a tag rule loop, re-layer
    every member for the tag rules of the segment, and queue the re-evaluation of the grants of
    the privileges whose audience it is (a job each, as when a privilege changes)."""
    async with in_transaction():
        segment = await services.update_segment(segment_id, actor=actor, **changes)  # type: ignore[arg-type]
        if changes.get("rule") is not None:
            await _refuse_loops()
            for rule in await TagRule.filter(segment_id=segment_id, active=True):
                await apply_tag_rule(rule)
            for privilege in await Privilege.filter(audience_segment_id=segment_id, active=True):
                await refresh_later(privilege, actor.staff_id)
    return segment


async def relayer(member_ids: Sequence[int], fact: str) -> None:
    """Re-evaluate the tag rules whose segments read ``fact`` for these members (their facts
    of that kind changed), then the automatic grants of the privileges whose audience reads it:
    the one path by which what follows a rule follows the facts. One pass per rule: a handful of
    statements each."""
    if not member_ids:
        return
    for rule, facts in await once_per_version("segments.tag_rules", _active_tag_rules):
        if fact in facts:
            for start in range(0, len(member_ids), BATCH):
                await apply_tag_rule(rule, member_ids[start : start + BATCH])
    await refresh_member_grants(member_ids, fact)


async def _active_tag_rules() -> list[tuple[TagRule, set[str]]]:
    """The active tag rules, each with the kinds of facts its segment's rule reads: kept
    between batches while the tag rules and segments are unchanged (``once_per_version``)."""
    rules = await TagRule.filter(active=True).select_related("segment").order_by("id")
    return [(rule, r.facts_read(services.rule_of(rule.segment))) for rule in rules]


async def recompute_all(now: datetime | None = None) -> Layered:
    """The periodic job: every tag rule over every member (catches ``withinDays`` windows
    that moved on, and facts that change without telling: a region, a last-active time)."""
    added = removed = 0
    for rule in await TagRule.filter(active=True).order_by("id"):
        async with in_transaction():
            done = await apply_tag_rule(rule, now=now)
        added, removed = added + done.added, removed + done.removed
    return Layered(added, removed)


# --- stage rules ---------------------------------------------------------------------------


async def create_stage_rule(
    event_kind: str,
    stage_code: str,
    segment_id: int | None,
    allow_backward: bool,
    *,
    actor: Actor,
) -> StageRule:
    """An event of ``event_kind`` will move members (of the segment, if given) to the stage."""
    async with in_transaction():
        stage = await LifecycleStage.get_or_none(code=stage_code)
        if stage is None:
            raise DomainError(SegmentErrorCode.NOT_FOUND, f"No stage {stage_code!r}.", "stage")
        if segment_id is not None and not await Segment.exists(id=segment_id):
            raise DomainError(SegmentErrorCode.NOT_FOUND, "No such segment.", "segmentId")
        if await StageRule.exists(event_kind=event_kind, stage_id=stage.id):
            raise DomainError(
                SegmentErrorCode.DUPLICATE,
                "A rule moves this event to this stage already.",
                "stage",
            )
        rule = await StageRule.create(
            event_kind=event_kind,
            stage_id=stage.id,
            segment_id=segment_id,
            allow_backward=allow_backward,
            staff_id=actor.staff_id,
        )
        await audit.record(
            actor,
            "stage_rule.create",
            "StageRule",
            rule.id,
            after={"eventKind": event_kind, "stage": stage_code, "segmentId": segment_id},
        )
    return await StageRule.get(id=rule.id).select_related("stage")


async def delete_stage_rule(rule_id: int, *, actor: Actor) -> None:
    async with in_transaction():
        deleted = await StageRule.filter(id=rule_id).delete()
        if not deleted:
            raise DomainError(SegmentErrorCode.NOT_FOUND, "No such stage rule.", "id")
        await audit.record(actor, "stage_rule.delete", "StageRule", rule_id)


async def apply_stage_rules(moves: Sequence[tuple[Member, str, int]]) -> int:
    """Move each (member, event kind, event id) as the active stage rules of the kind say:
    forward only unless the rule allows backward, only members of the rule's segment, never a
    member who withdrew PROFILING. Each move is recorded with the rule as its cause. Returns
    the number of moves. Statements: a few per batch plus one per rule with a segment."""
    kinds = {kind for _, kind, _ in moves}
    rules = await StageRule.filter(active=True, event_kind__in=list(kinds)).select_related("stage")
    if not rules:
        return 0
    allowed = await may_process([m.id for m, _, _ in moves], Purpose.PROFILING)
    in_segment: dict[int, set[int]] = {}
    for rule in rules:
        if rule.segment_id is not None:
            segment = await Segment.get(id=rule.segment_id)
            found = services.segment_members(segment).filter(id__in=list(allowed))
            in_segment[rule.id] = set(await found.values_list("id", flat=True))
    positions = dict(await LifecycleStage.all().values_list("id", "position"))
    moved = 0
    for member, kind, event_id in moves:
        if member.id not in allowed:
            continue
        for rule in sorted(
            (x for x in rules if x.event_kind == kind), key=lambda x: -x.stage.position
        ):
            if rule.segment_id is not None and member.id not in in_segment[rule.id]:
                continue
            current = positions.get(member.stage_id) if member.stage_id else None
            if member.stage_id == rule.stage_id:
                break
            if not (rule.allow_backward or should_advance(current, rule.stage.position)):
                continue
            reason = f"stageRule:{rule.id} ({kind} event {event_id})"
            await move_automatically(member, rule.stage, reason)
            moved += 1
            break
    return moved
