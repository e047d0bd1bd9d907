"""Member, tag and lifecycle-stage operations. Plain arguments in, DomainError out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.audit.services import Actor
from koc.db import update_rows
from koc.errors import DomainError
from koc.events import (
    MemberMerged,
    MemberStageChanged,
    MemberTagsChanged,
    publish,
    publish_many,
)
from koc.events.memo import once_per_version
from koc.members.errors import MemberErrorCode, TagErrorCode
from koc.members.filters import MemberFilter, filter_members
from koc.members.models import (
    LifecycleStage,
    Member,
    MemberTag,
    MemberTagRemoval,
    StageAutoRule,
    StageTransition,
    Tag,
    TagFamily,
    TagGroup,
    TagSource,
)
from koc.members.stages import TEMPLATES, auto_rule_for_order_count, should_advance
from koc.members.tag_removals import drop_member_tags
from koc.rows import insert_models

# A bulk tag change by filter touches at most this many members in one call.
BULK_LIMIT = 100_000


def _now() -> datetime:
    return datetime.now(UTC)


# --- stages --------------------------------------------------------------------------------


async def ensure_stages(template: str) -> int:
    """Create the template's stages when the brand has none yet; returns how many were made."""
    if await LifecycleStage.exists():
        return 0
    specs = TEMPLATES[template]
    await LifecycleStage.bulk_create(
        [
            LifecycleStage(
                code=s.code,
                name=s.name,
                position=i,
                auto_rule=s.auto_rule,
                description=s.description,
            )
            for i, s in enumerate(specs)
        ]
    )
    return len(specs)


async def first_stage_id() -> int | None:
    """The pipeline's first stage, where every new member starts (strangers are a layer too)."""
    first = await LifecycleStage.all().order_by("position").first().values_list("id", flat=True)
    return first  # type: ignore[return-value]


async def set_member_stage(member_id: int, stage_code: str, reason: str, *, actor: Actor) -> Member:
    """Move a member to a stage by hand; the transition keeps who and why."""
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise DomainError(MemberErrorCode.INVALID, "Give a reason of 1-500 characters.", "reason")
    async with in_transaction():
        member = await Member.get_or_none(id=member_id).select_for_update()
        if member is None:
            raise DomainError(MemberErrorCode.NOT_FOUND, "No such member.", "memberId")
        stage = await LifecycleStage.get_or_none(code=stage_code)
        if stage is None:
            raise DomainError(MemberErrorCode.STAGE_NOT_FOUND, f"No stage {stage_code!r}.", "stage")
        if member.stage_id == stage.id:
            raise DomainError(
                MemberErrorCode.SAME_STAGE, "The member is already on this stage.", "stage"
            )
        before = member.stage_id
        await _move(member, stage, reason=reason, staff_id=actor.staff_id, automatic=False)
        await audit.record(
            actor,
            "member.stage_set",
            "Member",
            member.id,
            before={"stageId": before},
            after={"stageId": stage.id, "reason": reason},
        )
    return member


async def _move(
    member: Member, stage: LifecycleStage, *, reason: str, staff_id: int | None, automatic: bool
) -> None:
    await StageTransition.create(
        member_id=member.id,
        from_stage_id=member.stage_id,
        to_stage_id=stage.id,
        staff_id=staff_id,
        reason=reason,
        automatic=automatic,
    )
    member.stage_id = stage.id
    await Member.filter(id=member.id).update(stage_id=stage.id)
    await publish(MemberStageChanged(member=member))


def _auto_target(
    stages: Sequence[LifecycleStage], member: Member, rule: StageAutoRule | None
) -> LifecycleStage | None:
    """The stage ``rule`` moves the member to (forward only), or None."""
    by_rule = {s.auto_rule: s for s in stages if s.auto_rule is not None}
    if rule is StageAutoRule.REPEAT_ORDER and rule not in by_rule:
        # Pipelines without a repeat-buyer stage (automotive) keep repeat buyers as customers.
        rule = StageAutoRule.FIRST_ORDER
    stage = by_rule.get(rule) if rule is not None else None
    current = next((s.position for s in stages if s.id == member.stage_id), None)
    if stage is None or not should_advance(current, stage.position):
        return None
    return stage


async def advance_to_rule(member: Member, rule: StageAutoRule, reason: str) -> bool:
    """Automatic move to the stage marked ``rule``, forward only. True when it moved."""
    stage = _auto_target(await LifecycleStage.all(), member, rule)
    if stage is None:
        return False
    await _move(member, stage, reason=reason, staff_id=None, automatic=True)
    return True


async def move_automatically(member: Member, stage: LifecycleStage, reason: str) -> None:
    """An automatic move decided by a rule elsewhere (a segments stage rule), recorded with
    ``reason`` naming that rule; the caller decided the direction. Call inside a transaction."""
    await _move(member, stage, reason=reason[:500], staff_id=None, automatic=True)


async def count_order(member: Member, delta: int) -> None:
    """Keep ``order_count`` current and apply the first-order / repeat-order stage rules."""
    await count_orders([(member, delta)])


async def count_orders(changes: Sequence[tuple[Member, int]]) -> None:
    """``count_order`` for many members (each once, with the number of orders it gained or
    lost), in a constant number of statements: the stages are read once, the transitions
    inserted together and each member written once. Every order counts as if recorded on its
    own (order #1 reaches the first-order stage, #2 the repeat-order one); the stage hook is
    sent once per member that moved, with its final stage."""
    if not changes:
        return
    stages = await once_per_version("members.stages", lambda: LifecycleStage.all())
    transitions: list[StageTransition] = []
    moved: dict[int, Member] = {}
    for member, delta in changes:
        before = member.order_count
        member.order_count = max(0, before + delta)
        for count in range(before + 1, member.order_count + 1):
            stage = _auto_target(stages, member, auto_rule_for_order_count(count))
            if stage is None:
                continue
            transitions.append(
                StageTransition(
                    member_id=member.id,
                    from_stage_id=member.stage_id,
                    to_stage_id=stage.id,
                    staff_id=None,
                    reason=f"order #{count}",
                    automatic=True,
                )
            )
            member.stage_id = stage.id
            moved[member.id] = member
    await insert_models(transitions)
    await update_rows([member for member, _ in changes], ["order_count", "stage_id"])
    await publish_many([MemberStageChanged(member=m) for m in moved.values()])


# --- tags ----------------------------------------------------------------------------------


def _clean_name(value: str, field_name: str, code: TagErrorCode = TagErrorCode.INVALID) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 64:
        raise DomainError(code, "Name must be 1-64 characters.", field_name)
    return value


async def create_tag_group(
    name: str, family: TagFamily, exclusive: bool, description: str, *, actor: Actor
) -> TagGroup:
    name = _clean_name(name, "name")
    if len(description) > 2000:
        raise DomainError(
            TagErrorCode.INVALID, "Description is at most 2000 characters.", "description"
        )
    async with in_transaction():
        if await TagGroup.exists(name=name):
            raise DomainError(TagErrorCode.DUPLICATE, "A tag group with this name exists.", "name")
        group = await TagGroup.create(
            name=name, family=family, exclusive=exclusive, description=description
        )
        await audit.record(
            actor,
            "tag_group.create",
            "TagGroup",
            group.id,
            after={"name": name, "family": family.value, "exclusive": exclusive},
        )
    return group


async def create_tag(
    group_id: int, name: str, member_visible: bool, description: str, *, actor: Actor
) -> Tag:
    name = _clean_name(name, "name")
    if len(description) > 2000:
        raise DomainError(
            TagErrorCode.INVALID, "Description is at most 2000 characters.", "description"
        )
    async with in_transaction():
        group = await TagGroup.get_or_none(id=group_id)
        if group is None:
            raise DomainError(TagErrorCode.GROUP_NOT_FOUND, "No such tag group.", "groupId")
        if await Tag.exists(group_id=group_id, name=name):
            raise DomainError(
                TagErrorCode.DUPLICATE, "This group already has a tag with this name.", "name"
            )
        tag = await Tag.create(
            group_id=group_id, name=name, member_visible=member_visible, description=description
        )
        await audit.record(
            actor,
            "tag.create",
            "Tag",
            tag.id,
            after={"groupId": group_id, "name": name, "memberVisible": member_visible},
        )
    return tag


async def resolve_tags(tag_ids: Sequence[int]) -> list[Tag]:
    if not tag_ids:
        raise DomainError(TagErrorCode.INVALID, "Give at least one tag.", "tagIds")
    unique_ids = list(dict.fromkeys(tag_ids))
    tags = await Tag.filter(id__in=unique_ids).prefetch_related("group")
    if len(tags) != len(unique_ids):
        missing = sorted(set(unique_ids) - {t.id for t in tags})
        raise DomainError(TagErrorCode.NOT_FOUND, f"No such tag(s): {missing}.", "tagIds")
    return tags


async def _target_member_ids(f: MemberFilter) -> list[int]:
    ids = await filter_members(f).limit(BULK_LIMIT + 1).values_list("id", flat=True)
    if not ids:
        raise DomainError(TagErrorCode.NO_MEMBERS, "No member matches.", "members")
    if len(ids) > BULK_LIMIT:
        raise DomainError(
            TagErrorCode.TOO_MANY_MEMBERS, f"At most {BULK_LIMIT} members per call.", "members"
        )
    return list(ids)


def exclusive_choices(tags: Sequence[Tag]) -> dict[int, int]:
    """Exclusive group -> the one tag of ``tags`` in it; refuses two tags of one such group."""
    chosen: dict[int, int] = {}
    for tag in tags:
        if tag.group.exclusive:
            if tag.group_id in chosen:
                raise DomainError(
                    TagErrorCode.EXCLUSIVE_CONFLICT,
                    f"Group {tag.group.name!r} allows one tag per member; two were given.",
                    "tagIds",
                )
            chosen[tag.group_id] = tag.id
    return chosen


async def apply_tags(
    member_ids: Sequence[int],
    tags: Sequence[Tag],
    *,
    source: TagSource,
    staff_id: int | None = None,
    cause: str = "",
) -> int:
    """Put ``tags`` on the members; a tag of an exclusive group replaces the member's other tag
    of that group. Tags already held are left as they are. Returns rows added.

    Call inside a transaction. Automatic (AUTO, EVENT) tags profile a member: they come through
    ``koc.consent.tags.apply_automatic_tags``, which passes only members who allow PROFILING.
    """
    exclusive_groups = exclusive_choices(tags)
    added = 0
    for start in range(0, len(member_ids), 5000):
        chunk = list(member_ids[start : start + 5000])
        if exclusive_groups:
            await drop_member_tags(
                MemberTag.filter(
                    member_id__in=chunk,
                    tag_id__in=Subquery(
                        Tag.filter(group_id__in=list(exclusive_groups))
                        .exclude(id__in=list(exclusive_groups.values()))
                        .values("id")
                    ),
                ),
                removed_by=staff_id,
                reason="replaced: one tag per member in its group",
            )
        held = set(
            await MemberTag.filter(
                member_id__in=chunk, tag_id__in=[t.id for t in tags]
            ).values_list("member_id", "tag_id")
        )
        rows = [
            MemberTag(member_id=m, tag_id=t.id, source=source, staff_id=staff_id, cause=cause[:200])
            for m in chunk
            for t in tags
            if (m, t.id) not in held
        ]
        if rows:
            await MemberTag.bulk_create(rows, batch_size=1000)
            added += len(rows)
    if added:
        await publish(MemberTagsChanged(member_ids=list(member_ids)))
    return added


async def add_member_tags(
    f: MemberFilter, tag_ids: Sequence[int], cause: str, *, actor: Actor
) -> tuple[int, int]:
    """Tag one member (``f.ids``) or every member matching a filter. Returns (members, rows added)."""
    if len(cause) > 200:
        raise DomainError(TagErrorCode.INVALID, "Note is at most 200 characters.", "note")
    async with in_transaction():
        tags = await resolve_tags(tag_ids)
        member_ids = await _target_member_ids(f)
        added = await apply_tags(
            member_ids, tags, source=TagSource.MANUAL, staff_id=actor.staff_id, cause=cause
        )
        await audit.record(
            actor,
            "member_tags.add",
            "Member",
            member_ids[0] if len(member_ids) == 1 else None,
            after={"tagIds": [t.id for t in tags], "members": len(member_ids), "added": added},
        )
    return len(member_ids), added


async def take_off_tags(
    member_ids: Sequence[int], tags: Sequence[Tag], *, removed_by: int | None, reason: str
) -> int:
    """Take ``tags`` off the members (call inside a transaction). Returns rows removed."""
    removed = 0
    for start in range(0, len(member_ids), 5000):
        rows = MemberTag.filter(
            member_id__in=list(member_ids[start : start + 5000]), tag_id__in=[t.id for t in tags]
        )
        removed += await rows.count()
        await drop_member_tags(rows, removed_by=removed_by, reason=reason)
    if removed:
        await publish(MemberTagsChanged(member_ids=list(member_ids)))
    return removed


async def remove_member_tags(
    f: MemberFilter, tag_ids: Sequence[int], *, actor: Actor
) -> tuple[int, int]:
    async with in_transaction():
        tags = await resolve_tags(tag_ids)
        member_ids = await _target_member_ids(f)
        removed = await take_off_tags(
            member_ids, tags, removed_by=actor.staff_id, reason="taken off by staff"
        )
        await audit.record(
            actor,
            "member_tags.remove",
            "Member",
            member_ids[0] if len(member_ids) == 1 else None,
            before={"tagIds": [t.id for t in tags], "members": len(member_ids), "removed": removed},
        )
    return len(member_ids), removed


def _validate_profile(changes: dict[str, Any]) -> dict[str, Any]:
    limits = {"nickname": 64, "region": 64, "avatar_url": 500}
    camel = {"nickname": "nickname", "region": "region", "avatar_url": "avatarUrl"}
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key in limits:
            value = value.strip()
            if len(value) > limits[key]:
                raise DomainError(
                    MemberErrorCode.INVALID, f"At most {limits[key]} characters.", camel[key]
                )
            if key == "avatar_url" and value and not value.startswith("https://"):
                raise DomainError(
                    MemberErrorCode.INVALID, "Avatar must be an https:// URL.", "avatarUrl"
                )
        if (
            key == "birthday"
            and value is not None
            and not date(1900, 1, 1) <= value <= datetime.now(UTC).date()
        ):
            raise DomainError(
                MemberErrorCode.INVALID, "Birthday must be between 1900 and today.", "birthday"
            )
        clean[key] = value
    return clean


async def update_profile(member_id: int, changes: dict[str, Any], *, actor: Actor | None) -> Member:
    """Change profile fields (nickname, avatar_url, gender, birthday, region) of a member, by
    the member or by staff (audited). ``changes`` holds only the fields to change."""
    clean = _validate_profile(changes)
    async with in_transaction():
        member = await Member.get_or_none(id=member_id).select_for_update()
        if member is None:
            raise DomainError(MemberErrorCode.NOT_FOUND, "No such member.", "memberId")
        before = {k: str(getattr(member, k)) for k in clean}
        for key, value in clean.items():
            setattr(member, key, value)
        if clean:
            await member.save(update_fields=list(clean))
        if actor is not None:
            await audit.record(
                actor,
                "member.profile_update",
                "Member",
                member.id,
                before=before,
                after={k: str(v) for k, v in clean.items()},
            )
    return member


async def fold_member(prospect: Member, *, into: Member) -> None:
    """The members part of folding a prospect into the member it turned out to be (see
    ``koc.orders.prospects.merge_prospect``, which moves the prospect's orders first): its tags
    (held and taken off) and stage history move over, the features above move their rows on ``MemberMerged``,
    then the prospect is deleted. Call inside a transaction."""
    held = await MemberTag.filter(member_id=into.id).values_list("tag_id", flat=True)
    await MemberTag.filter(member_id=prospect.id, tag_id__in=list(held)).delete()
    await MemberTag.filter(member_id=prospect.id).update(member_id=into.id)
    await MemberTagRemoval.filter(member_id=prospect.id).update(member_id=into.id)
    await StageTransition.filter(member_id=prospect.id).update(member_id=into.id)
    await publish(MemberMerged(prospect=prospect, member=into))
    into.order_count += prospect.order_count
    updates: dict[str, object] = {"order_count": into.order_count}
    if prospect.stage_id and not into.stage_id:
        into.stage_id = prospect.stage_id
        updates["stage_id"] = prospect.stage_id
    await Member.filter(id=into.id).update(**updates)
    await prospect.delete()
    # unionid is unique: it can move only once the prospect is gone.
    if prospect.unionid and not into.unionid:
        into.unionid = prospect.unionid
        await Member.filter(id=into.id).update(unionid=prospect.unionid)
