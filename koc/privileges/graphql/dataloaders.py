"""Batch functions behind the privileges feature's DataLoaders (one SQL statement each)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from koc.graphql.loaders import by_key, group_by_key
from koc.privileges.models import (
    Channel,
    GrantSource,
    GrantStatus,
    Privilege,
    PrivilegeGrant,
    PrivilegeKind,
    PrivilegeRsvp,
    PrivilegeUsage,
    QuotaPeriod,
)
from koc.rows import RowsByKey


class PrivilegeRow(NamedTuple):
    """What the Privilege type reads of a privilege."""

    id: int
    code: str
    name: str
    description: str
    kind: PrivilegeKind
    audience_rule: dict[str, Any] | None
    audience_segment_id: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    total_stock: int | None
    remaining_stock: int | None
    quota: int
    quota_period: QuotaPeriod
    channel: Channel
    grant_days: int | None
    active: bool
    created_at: datetime


class GrantRow(NamedTuple):
    """What the PrivilegeGrant type reads of a grant."""

    id: int
    status: GrantStatus
    source: GrantSource
    reason: str
    granted_at: datetime
    expires_at: datetime | None
    redeemed_at: datetime | None
    revoked_at: datetime | None
    member_id: int
    privilege_id: int


PRIVILEGES = RowsByKey(Privilege, PrivilegeRow, "id")
GRANTS = RowsByKey(PrivilegeGrant, GrantRow, "member_id", order_by=("-granted_at", "id"))

# (member_id, privilege_id, period_key)
UsageKey = tuple[int, int, str]


async def load_privileges(ids: Sequence[int]) -> list[PrivilegeRow | None]:
    return by_key(await PRIVILEGES.fetch(ids), ids, lambda p: p.id)


async def load_grants(member_ids: Sequence[int]) -> list[list[GrantRow]]:
    return group_by_key(await GRANTS.fetch(member_ids), member_ids, lambda g: g.member_id)


async def load_rsvps(grant_ids: Sequence[int]) -> list[PrivilegeRsvp | None]:
    rows = await PrivilegeRsvp.filter(grant_id__in=list(grant_ids))
    return by_key(rows, grant_ids, lambda r: r.grant_id)


async def load_usage(keys: Sequence[UsageKey]) -> list[int]:
    rows = await PrivilegeUsage.filter(
        member_id__in=list({k[0] for k in keys}),
        privilege_id__in=list({k[1] for k in keys}),
        period_key__in=list({k[2] for k in keys}),
    )
    used = {(u.member_id, u.privilege_id, u.period_key): u.used for u in rows}
    return [used.get(k, 0) for k in keys]
