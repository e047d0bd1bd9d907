"""Checking rules against the brand's data, saving them as segments, counting and paging their
members, and snapshots of who a segment held when it was used. Plain arguments in,
``DomainError`` out."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Subquery
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.audit.services import Actor
from koc.auth.models import StaffRole, StaffUser
from koc.badges.models import Badge
from koc.creators.models import KocCampaign
from koc.errors import DomainError
from koc.members.models import LifecycleStage, Member, Tag
from koc.privileges.models import Privilege
from koc.segments import rules as r
from koc.segments.compile import members_matching, rule_condition, survey_option_ids
from koc.segments.errors import SegmentErrorCode
from koc.segments.models import Segment, SegmentSnapshot, SegmentSnapshotMember, StageRule, TagRule
from koc.surveys.models import Survey

SNAPSHOT_BATCH = 5000


def _now() -> datetime:
    return datetime.now(UTC)


async def check_rule(data: Any, path: str = "rule") -> r.Rule:
    """The parsed rule of ``data`` once its shape is valid and every tag, stage, badge and
    survey option it names exists: at most one statement per kind of reference, whatever the
    size of the rule."""
    rule = r.parse_rule(data, path)
    refs = r.references(data, path)
    known: dict[str, set[Any]] = {}
    wanted = {
        kind: {value for k, value, _ in refs if k == kind}
        for kind in ("tag", "stage", "badge", "option", "advisor")
    }
    if wanted["tag"]:
        known["tag"] = set(
            await Tag.filter(id__in=list(wanted["tag"])).values_list("id", flat=True)
        )
    if wanted["stage"]:
        codes = LifecycleStage.filter(code__in=list(wanted["stage"])).values_list("code", flat=True)
        known["stage"] = set(await codes)
    if wanted["badge"]:
        codes = Badge.filter(code__in=list(wanted["badge"])).values_list("code", flat=True)
        known["badge"] = set(await codes)
    if wanted["option"]:
        known["option"] = await survey_option_ids(wanted["option"])
    if wanted["advisor"]:
        advisors = StaffUser.filter(id__in=list(wanted["advisor"]), role=StaffRole.ADVISOR)
        known["advisor"] = set(await advisors.values_list("id", flat=True))
    for kind, value, at in refs:
        if value not in known.get(kind, set()):
            raise DomainError(SegmentErrorCode.NOT_FOUND, f"No {kind} {value!r}.", at)
    return rule


def _clean(name: str | None, description: str | None) -> dict[str, str]:
    clean: dict[str, str] = {}
    if name is not None:
        name = name.strip()
        if not 1 <= len(name) <= 64:
            raise DomainError(SegmentErrorCode.INVALID, "Name must be 1-64 characters.", "name")
        clean["name"] = name
    if description is not None:
        if len(description) > 2000:
            raise DomainError(
                SegmentErrorCode.INVALID, "Description is at most 2000 characters.", "description"
            )
        clean["description"] = description
    return clean


async def create_segment(
    name: str, description: str, rule: Mapping[str, Any], *, actor: Actor
) -> Segment:
    """Save a rule as a named segment."""
    clean = _clean(name, description)
    await check_rule(rule)
    async with in_transaction():
        if await Segment.exists(name=clean["name"]):
            raise DomainError(
                SegmentErrorCode.DUPLICATE, "A segment with this name exists.", "name"
            )
        segment = await Segment.create(**clean, rule=dict(rule), staff_id=actor.staff_id)
        await audit.record(
            actor,
            "segment.create",
            "Segment",
            segment.id,
            after={"name": segment.name, "rule": rule},
        )
    return segment


async def update_segment(
    segment_id: int,
    *,
    name: str | None = None,
    description: str | None = None,
    rule: Mapping[str, Any] | None = None,
    actor: Actor,
) -> Segment:
    """Change a segment's name, description or rule. A new rule re-layers the members of the
    tag rules that use it (see ``koc.segments.layering``)."""
    clean: dict[str, Any] = _clean(name, description)
    if rule is not None:
        await check_rule(rule)
        clean["rule"] = dict(rule)
    async with in_transaction():
        segment = await Segment.get_or_none(id=segment_id).select_for_update()
        if segment is None:
            raise DomainError(SegmentErrorCode.NOT_FOUND, "No such segment.", "id")
        if (
            "name" in clean
            and await Segment.filter(name=clean["name"]).exclude(id=segment_id).exists()
        ):
            raise DomainError(
                SegmentErrorCode.DUPLICATE, "A segment with this name exists.", "name"
            )
        before = {"name": segment.name, "description": segment.description, "rule": segment.rule}
        segment.update_from_dict(clean)
        await segment.save()
        await audit.record(
            actor, "segment.update", "Segment", segment.id, before=before, after=clean
        )
    return segment


async def delete_segment(segment_id: int, *, actor: Actor) -> None:
    """Delete a segment no rule uses and that is no survey's, privilege's or campaign's
    audience. Its snapshots go with it."""
    async with in_transaction():
        segment = await Segment.get_or_none(id=segment_id).select_for_update()
        if segment is None:
            raise DomainError(SegmentErrorCode.NOT_FOUND, "No such segment.", "id")
        if await TagRule.exists(segment_id=segment_id) or await StageRule.exists(
            segment_id=segment_id
        ):
            raise DomainError(
                SegmentErrorCode.IN_USE, "A tag or stage rule uses this segment.", "id"
            )
        for model, what in (
            (Survey, "survey"),
            (Privilege, "privilege"),
            (KocCampaign, "campaign"),
        ):
            if await model.exists(audience_segment_id=segment_id):
                raise DomainError(
                    SegmentErrorCode.IN_USE, f"A {what}'s audience is this segment.", "id"
                )
        snapshots = Subquery(SegmentSnapshot.filter(segment_id=segment_id).values("id"))
        await SegmentSnapshotMember.filter(snapshot_id__in=snapshots).delete()
        await SegmentSnapshot.filter(segment_id=segment_id).delete()
        await segment.delete()
        await audit.record(
            actor, "segment.delete", "Segment", segment_id, before={"name": segment.name}
        )


def rule_of(segment: Segment) -> r.Rule:
    """The stored rule of a segment (checked when it was saved)."""
    return r.parse_rule(segment.rule)


def segment_members(segment: Segment, now: datetime | None = None) -> QuerySet[Member]:
    """The members the segment holds now, as one query."""
    return members_matching(rule_of(segment), now or _now())


async def member_counts(segments: Sequence[Segment], now: datetime | None = None) -> list[int]:
    """How many members each segment holds now: one statement for all of them, a scalar
    ``(SELECT COUNT(*) FROM member WHERE ...)`` per segment, so each count is planned on its
    own (from its most selective fact, as ``bench/segments.py`` times it) rather than as a
    conditional count over a scan of every member."""
    if not segments:
        return []
    now = now or _now()
    counts = {
        f"segment_{i}": Subquery(
            segment_members(s, now).annotate(segment_n=Count("id")).values("segment_n")
        )
        for i, s in enumerate(segments)
    }
    rows = await Member.all().limit(1).annotate(**counts).values(*counts)
    return [rows[0][f"segment_{i}"] or 0 if rows else 0 for i in range(len(segments))]


async def snapshot(segment_id: int, used_for: str, now: datetime | None = None) -> SegmentSnapshot:
    """Record who the segment holds now, for ``used_for`` (``survey:12``, ``notification:7``).
    Call inside the transaction of the use, so a use that rolls back leaves no snapshot."""
    segment = await Segment.get_or_none(id=segment_id)
    if segment is None:
        raise DomainError(SegmentErrorCode.NOT_FOUND, "No such segment.", "segmentId")
    members = segment_members(segment, now)
    shot = await SegmentSnapshot.create(
        segment_id=segment_id, used_for=used_for[:64], member_count=0
    )
    count, after = 0, 0
    while (
        ids := await members.filter(id__gt=after)
        .order_by("id")
        .limit(SNAPSHOT_BATCH)
        .values_list("id", flat=True)
    ):
        await SegmentSnapshotMember.bulk_create(
            [SegmentSnapshotMember(snapshot_id=shot.id, member_id=m) for m in ids], batch_size=1000
        )
        count, after = count + len(ids), ids[-1]
    shot.member_count = count
    await shot.save(update_fields=["member_count"])
    return shot


def snapshot_members(snapshot_id: int) -> QuerySet[Member]:
    """The members a snapshot recorded."""
    held = Subquery(SegmentSnapshotMember.filter(snapshot_id=snapshot_id).values("member_id"))
    return Member.filter(id__in=held)


class SegmentLanguage:
    """koc.segments as the audience language of the features below it (koc.members.audience)."""

    condition = staticmethod(rule_condition)

    def facts_read(self, rule: dict[str, Any]) -> set[str]:
        return r.facts_read(r.parse_rule(rule))

    async def check(self, rule: dict[str, Any] | None, segment_id: int | None, path: str) -> None:
        await audience_rule(rule, segment_id, path)

    async def segment_rules(self, segment_ids: Collection[int]) -> dict[int, dict[str, Any]]:
        rows = await Segment.filter(id__in=list(segment_ids)).values_list("id", "rule")
        return {segment_id: dict(rule) for segment_id, rule in rows}


async def audience_rule(
    rule: Mapping[str, Any] | None, segment_id: int | None, path: str = ""
) -> dict[str, Any]:
    """The checked JSON form of an audience given as a rule or a saved segment, exactly one of
    them (a segment's rule as it is now). ``path`` is where the audience sits in the input."""
    at = f"{path}." if path else ""
    if (rule is None) == (segment_id is None):
        raise DomainError(
            SegmentErrorCode.INVALID, "Give a rule or a segmentId, not both.", path or None
        )
    if rule is not None:
        await check_rule(rule, f"{at}rule")
        return dict(rule)
    segment = await Segment.get_or_none(id=segment_id)
    if segment is None:
        raise DomainError(SegmentErrorCode.NOT_FOUND, "No such segment.", f"{at}segmentId")
    return dict(segment.rule)


async def audience_members(
    rule: Mapping[str, Any] | None, segment_id: int | None, path: str = ""
) -> QuerySet[Member]:
    """The members of an audience (a rule or a saved segment) now, as one query."""
    data = await audience_rule(rule, segment_id, path)
    return members_matching(r.parse_rule(data), _now())
