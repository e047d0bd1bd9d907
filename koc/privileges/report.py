"""The privileges report: grants, redemptions and seats per privilege over a period, in five
statements whatever the number of privileges. Changes when staff want other figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from koc.privileges.errors import fail
from koc.privileges.models import (
    GrantStatus,
    Privilege,
    PrivilegeGrant,
    PrivilegeRedemption,
    PrivilegeRsvp,
    RsvpStatus,
)


@dataclass(frozen=True)
class ReportRow:
    privilege: Privilege
    grants_active: int
    grants_issued: int
    redemptions: int
    seats_reserved: int


async def report(start: datetime, end: datetime) -> list[ReportRow]:
    """Per privilege: grants active now, grants issued and redemptions in [start, end), seats
    reserved now, remaining stock. Five statements whatever the number of privileges."""
    for value, name in ((start, "from"), (end, "to")):
        if value.tzinfo is None:
            raise fail("Time must carry a time zone.", name)
    if end <= start:
        raise fail("`to` must be after `from`.", "to")
    now = datetime.now(UTC)

    async def per_privilege(query: QuerySet[Any]) -> dict[int, int]:
        rows = (
            await query.annotate(n=Count("id"))
            .group_by("privilege_id")
            .values_list("privilege_id", "n")
        )
        return dict(rows)

    active = await per_privilege(
        PrivilegeGrant.filter(status=GrantStatus.ACTIVE).filter(
            Q(expires_at=None) | Q(expires_at__gt=now)
        )
    )
    issued = await per_privilege(PrivilegeGrant.filter(granted_at__gte=start, granted_at__lt=end))
    redeemed = await per_privilege(
        PrivilegeRedemption.filter(created_at__gte=start, created_at__lt=end)
    )
    seats = await per_privilege(PrivilegeRsvp.filter(status=RsvpStatus.RESERVED))
    return [
        ReportRow(
            privilege=p,
            grants_active=active.get(p.id, 0),
            grants_issued=issued.get(p.id, 0),
            redemptions=redeemed.get(p.id, 0),
            seats_reserved=seats.get(p.id, 0),
        )
        for p in await Privilege.all().order_by("id")
    ]
