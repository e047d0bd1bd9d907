"""The privilege catalogue: defining and changing what a privilege is (kind, eligibility,
validity, stock, quota, channel). Changes when staff's definition of a privilege changes; each
change re-evaluates the automatic grants through ``eligibility``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.viewer import StaffViewer
from koc.jobs import Progress
from koc.members.audience import Audience, check
from koc.privileges.eligibility import audience_of, refresh_grants
from koc.privileges.errors import PrivilegeErrorCode as Code
from koc.privileges.errors import fail
from koc.privileges.models import (
    SEATED,
    Channel,
    Privilege,
    PrivilegeKind,
    PrivilegeRedemption,
    PrivilegeRsvp,
    QuotaPeriod,
    RsvpStatus,
)
from koc.worker import start_job
from koc.worker.models import Job

REFRESH_ELIGIBILITY = "privileges.refresh_eligibility"

CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
MAX_STOCK = 10**9


@dataclass
class PrivilegeData:
    code: str
    name: str
    kind: PrivilegeKind
    description: str = ""
    # Who receives it automatically; neither rule nor segment: staff grants only.
    audience: Audience = field(default_factory=Audience)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    total_stock: int | None = None
    quota: int = 1
    quota_period: QuotaPeriod = QuotaPeriod.LIFETIME
    channel: Channel = Channel.BOTH
    grant_days: int | None = None
    active: bool = True


async def _validate(d: PrivilegeData) -> None:
    if not CODE_RE.match(d.code):
        raise fail("Code is 2-64 upper-case letters, digits or _, starting with a letter.", "code")
    if not 1 <= len(d.name) <= 64:
        raise fail("Name must be 1-64 characters.", "name")
    if len(d.description) > 2000:
        raise fail("Description is at most 2000 characters.", "description")
    for value, name in ((d.starts_at, "startsAt"), (d.ends_at, "endsAt")):
        if value is not None and value.tzinfo is None:
            raise fail("Time must carry a time zone.", name)
    if d.starts_at and d.ends_at and d.ends_at <= d.starts_at:
        raise fail("endsAt must be after startsAt.", "endsAt")
    if d.total_stock is not None and not 0 <= d.total_stock <= MAX_STOCK:
        raise fail(f"totalStock is between 0 and {MAX_STOCK}.", "totalStock")
    if d.kind in SEATED and d.total_stock is None:
        raise fail("EVENT and TICKET privileges need a number of seats (totalStock).", "totalStock")
    if not 1 <= d.quota <= 1000:
        raise fail("quota is between 1 and 1000 uses per period.", "quota")
    if d.grant_days is not None and not 1 <= d.grant_days <= 3650:
        raise fail("grantDays is between 1 and 3650.", "grantDays")
    await check(d.audience, "audience")


def _fields(d: PrivilegeData) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "kind": d.kind,
        "description": d.description,
        "audience_rule": d.audience.rule,
        "audience_segment_id": d.audience.segment_id,
        "starts_at": d.starts_at,
        "ends_at": d.ends_at,
        "total_stock": d.total_stock,
        "quota": d.quota,
        "quota_period": d.quota_period,
        "channel": d.channel,
        "grant_days": d.grant_days,
        "active": d.active,
    }


def _data_of(p: Privilege) -> PrivilegeData:
    return PrivilegeData(
        code=p.code,
        name=p.name,
        kind=PrivilegeKind(p.kind),
        description=p.description,
        audience=audience_of(p),
        starts_at=p.starts_at,
        ends_at=p.ends_at,
        total_stock=p.total_stock,
        quota=p.quota,
        quota_period=QuotaPeriod(p.quota_period),
        channel=Channel(p.channel),
        grant_days=p.grant_days,
        active=p.active,
    )


def _audit_view(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


async def define_privilege(data: PrivilegeData, *, actor: StaffViewer | None) -> Privilege:
    """Record a new privilege (granting it is the caller's business: ``create_privilege``
    queues it, the demo grants at once)."""
    data.name = data.name.strip()
    await _validate(data)
    async with in_transaction():
        if await Privilege.exists(code=data.code):
            raise fail("A privilege with this code exists.", "code", Code.DUPLICATE)
        values = _fields(data)
        privilege = await Privilege.create(**values, remaining_stock=data.total_stock)
        await audit.record(
            actor, "privilege.create", "Privilege", privilege.id, after=_audit_view(values)
        )
    return privilege


async def create_privilege(
    data: PrivilegeData, *, actor: StaffViewer | None
) -> tuple[Privilege, Job]:
    """Add a privilege; the job returned grants it to every member its eligibility admits."""
    async with in_transaction():
        privilege = await define_privilege(data, actor=actor)
        job = await refresh_later(privilege, actor.staff_id if actor else None)
    return privilege, job


async def refresh_later(privilege: Privilege, staff_id: int | None) -> Job:
    """Queue the job that makes the privilege's automatic grants match its audience (after a
    change of the privilege, or of the saved segment that is its audience)."""
    return await start_job(REFRESH_ELIGIBILITY, staff_id=staff_id, privilege_id=privilege.id)


async def refresh_eligibility(progress: Progress, privilege_id: int) -> str:
    """The job: make the privilege's automatic grants match its eligibility, for every member,
    in one transaction."""
    privilege = await Privilege.get_or_none(id=privilege_id)
    if privilege is None:
        raise fail("The privilege no longer exists.", "id", Code.NOT_FOUND)
    async with in_transaction():
        done = await refresh_grants(privilege, progress=progress)
    return f"Granted {privilege.code} to {done.granted} members, withdrew it from {done.withdrawn}"


async def _consumed(p: Privilege) -> int:
    """Units of stock in use: seats held or checked in, or redemptions."""
    if p.kind in SEATED:
        return await PrivilegeRsvp.filter(
            privilege_id=p.id, status__in=[RsvpStatus.RESERVED, RsvpStatus.CHECKED_IN]
        ).count()
    return await PrivilegeRedemption.filter(privilege_id=p.id).count()


async def update_privilege(
    privilege_id: int, changes: dict[str, Any], *, actor: StaffViewer | None
) -> tuple[Privilege, Job]:
    """Change a privilege (``changes`` maps PrivilegeData fields; code and kind stay); the job
    returned re-evaluates every member's automatic grant against the new rules."""
    async with in_transaction():
        privilege = await Privilege.get_or_none(id=privilege_id).select_for_update()
        if privilege is None:
            raise fail("No such privilege.", "id", Code.NOT_FOUND)
        before = _fields(_data_of(privilege))
        data = replace(_data_of(privilege), **changes)
        data.name = data.name.strip()
        await _validate(data)
        values = _fields(data)
        if data.total_stock != privilege.total_stock:
            consumed = await _consumed(privilege)
            if data.total_stock is not None and data.total_stock < consumed:
                raise fail(f"{consumed} units are already used or reserved.", "totalStock")
            values["remaining_stock"] = (
                None if data.total_stock is None else data.total_stock - consumed
            )
        privilege.update_from_dict(values)
        await privilege.save()
        await audit.record(
            actor,
            "privilege.update",
            "Privilege",
            privilege.id,
            before=_audit_view(before),
            after=_audit_view(_fields(data)),
        )
        job = await refresh_later(privilege, actor.staff_id if actor else None)
    return privilege, job


async def get_privilege(id_or_code: int | str, field_name: str = "privilegeId") -> Privilege:
    found = await (
        Privilege.get_or_none(code=id_or_code)
        if isinstance(id_or_code, str)
        else Privilege.get_or_none(id=id_or_code)
    )
    if found is None:
        raise fail("No such privilege.", field_name, Code.NOT_FOUND)
    return found
