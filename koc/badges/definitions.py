"""Badge definitions: staff define and change badges (code, family and level, rule,
visibility). Changes when what a badge is changes; a new or changed automatic badge goes to
every member its rule admits (``awards``) by a job (``badges.award_qualifying``): a rule can
admit every member, more than one request should hold."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.badges.awards import award_qualifying
from koc.badges.errors import BadgeErrorCode
from koc.badges.models import (
    Badge,
    BadgeRule,
)
from koc.badges.rules import (
    RuleSpec,
    rule_problem,
)
from koc.errors import DomainError
from koc.jobs import Progress
from koc.worker import start_job
from koc.worker.models import Job

AWARD_QUALIFYING = "badges.award_qualifying"

CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
ROLE_RE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
URL_RE = re.compile(r"^https?://\S{1,490}$")


@dataclass
class BadgeData:
    code: str
    name: str
    family: str
    level: int = 1
    description: str = ""
    image_url: str = ""
    visible: bool = True
    rule: BadgeRule = BadgeRule.MANUAL
    threshold: int = 0
    koc_role: str = ""
    active: bool = True


def _validate(data: BadgeData) -> None:
    if not CODE_RE.match(data.code):
        raise DomainError(
            BadgeErrorCode.INVALID,
            "Code is 2-64 upper-case letters, digits or _, starting with a letter.",
            "code",
        )
    for value, name in ((data.name, "name"), (data.family, "family")):
        if not 1 <= len(value) <= 64:
            raise DomainError(BadgeErrorCode.INVALID, f"{name} must be 1-64 characters.", name)
    if not 1 <= data.level <= 100:
        raise DomainError(BadgeErrorCode.INVALID, "Level is between 1 and 100.", "level")
    if len(data.description) > 2000:
        raise DomainError(
            BadgeErrorCode.INVALID, "Description is at most 2000 characters.", "description"
        )
    if data.image_url and not URL_RE.match(data.image_url):
        raise DomainError(BadgeErrorCode.INVALID, "imageUrl must be an http(s) URL.", "imageUrl")
    if data.koc_role and not ROLE_RE.match(data.koc_role):
        raise DomainError(
            BadgeErrorCode.INVALID, "kocRole is a role code (letters, digits, _ -).", "kocRole"
        )
    problem = rule_problem(RuleSpec(data.rule, data.threshold, data.koc_role))
    if problem:
        raise DomainError(BadgeErrorCode.INVALID, problem[1], problem[0])


def _snapshot(badge: Badge) -> dict[str, Any]:
    return {
        "code": badge.code,
        "name": badge.name,
        "family": badge.family,
        "level": badge.level,
        "visible": badge.visible,
        "rule": badge.rule,
        "threshold": badge.threshold,
        "kocRole": badge.koc_role,
        "active": badge.active,
    }


async def define_badge(data: BadgeData, *, actor: StaffViewer | None) -> Badge:
    """Record a new badge (awarding it is the caller's business: ``create_badge`` queues it,
    the demo awards at once)."""
    data.name, data.family = data.name.strip(), data.family.strip()
    _validate(data)
    async with in_transaction():
        if await Badge.exists(code=data.code):
            raise DomainError(BadgeErrorCode.DUPLICATE, "A badge with this code exists.", "code")
        if await Badge.exists(family=data.family, level=data.level):
            raise DomainError(
                BadgeErrorCode.DUPLICATE, "This family already has a badge of this level.", "level"
            )
        badge = await Badge.create(**data.__dict__)
        await audit.record(actor, "badge.create", "Badge", badge.id, after=_snapshot(badge))
    return badge


async def create_badge(data: BadgeData, *, actor: StaffViewer | None) -> tuple[Badge, Job | None]:
    """Define a badge; an automatic one is then awarded to every member it admits, by the job
    returned (None for a MANUAL badge)."""
    async with in_transaction():
        badge = await define_badge(data, actor=actor)
        job = await _award_later(badge, actor)
    return badge, job


async def update_badge(
    badge_id: int, changes: dict[str, Any], *, actor: StaffViewer | None
) -> tuple[Badge, Job | None]:
    """Change a badge (``changes`` maps BadgeData field names to new values; the code stays).

    Holders keep the badge when its rule changes; members the new rule admits receive it, by
    the job returned (None when the badge is MANUAL or retired).
    """
    async with in_transaction():
        badge = await Badge.get_or_none(id=badge_id).select_for_update()
        if badge is None:
            raise DomainError(BadgeErrorCode.NOT_FOUND, "No such badge.", "id")
        before = _snapshot(badge)
        data = BadgeData(
            **{k: getattr(badge, k) for k in BadgeData.__dataclass_fields__}  # type: ignore[arg-type]
        )
        for name, value in changes.items():
            setattr(data, name, value.strip() if name in ("name", "family") else value)
        data.rule = BadgeRule(data.rule)
        _validate(data)
        if (data.family, data.level) != (badge.family, badge.level) and await Badge.exists(
            family=data.family, level=data.level
        ):
            raise DomainError(
                BadgeErrorCode.DUPLICATE, "This family already has a badge of this level.", "level"
            )
        badge.update_from_dict(data.__dict__)
        await badge.save()
        await audit.record(
            actor, "badge.update", "Badge", badge.id, before=before, after=_snapshot(badge)
        )
        job = await _award_later(badge, actor)
    return badge, job


async def _award_later(badge: Badge, actor: StaffViewer | None) -> Job | None:
    if badge.rule == BadgeRule.MANUAL or not badge.active:
        return None
    return await start_job(
        AWARD_QUALIFYING, staff_id=actor.staff_id if actor else None, badge_id=badge.id
    )


async def award_to_qualifying(progress: Progress, badge_id: int) -> str:
    """The job: award the badge to every member its rule admits now, in one transaction."""
    badge = await Badge.get_or_none(id=badge_id)
    if badge is None:
        raise DomainError(BadgeErrorCode.NOT_FOUND, "The badge no longer exists.", "id")
    async with in_transaction():
        awarded = await award_qualifying(badge, progress=progress)
    return f"Awarded {badge.code} to {awarded} members"
