"""Which members a list or a bulk change covers: ``MemberFilter`` and the one query it becomes.

A filter may carry a rule of koc.segments' rule language (its JSON form, so a bulk job can store
it), compiled through koc.members.audience (segments sits above members, so koc.wiring hands its
compiler down at start-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from koc.members.audience import rule_condition
from koc.members.models import LifecycleStage, Member, MemberTag


@dataclass
class MemberFilter:
    """Which members a list or a bulk change covers. Empty means everyone."""

    tags_all: list[int] = field(default_factory=list)
    tags_any: list[int] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    search: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    active_from: datetime | None = None
    active_to: datetime | None = None
    ids: list[int] | None = None
    owner_id: int | None = None  # the owner advisor (an ADVISOR's own id: koc.auth.scope)
    # A rule of koc.segments' rule language (its JSON form), evaluated as at ``rule_at``.
    rule: dict[str, Any] | None = None
    rule_at: datetime | None = None


def filter_members(f: MemberFilter | None) -> QuerySet[Member]:
    """A queryset of the members matching ``f``; every condition is served by an index."""
    qs = Member.all()
    if f is None:
        return qs
    if f.ids is not None:
        qs = qs.filter(id__in=f.ids)
    if f.owner_id is not None:
        qs = qs.filter(owner_id=f.owner_id)
    if f.rule is not None:
        qs = qs.filter(rule_condition(f.rule, f.rule_at or datetime.now(UTC)))
    for tag_id in f.tags_all:
        qs = qs.filter(id__in=Subquery(MemberTag.filter(tag_id=tag_id).values("member_id")))
    if f.tags_any:
        qs = qs.filter(id__in=Subquery(MemberTag.filter(tag_id__in=f.tags_any).values("member_id")))
    if f.stages:
        qs = qs.filter(stage_id__in=Subquery(LifecycleStage.filter(code__in=f.stages).values("id")))
    if f.search:
        term = f.search.strip()
        qs = qs.filter(Q(nickname__icontains=term) | Q(phone__contains=term) | Q(unionid=term))
    if f.created_from:
        qs = qs.filter(created_at__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__lt=f.created_to)
    if f.active_from:
        qs = qs.filter(last_active_at__gte=f.active_from)
    if f.active_to:
        qs = qs.filter(last_active_at__lt=f.active_to)
    return qs
