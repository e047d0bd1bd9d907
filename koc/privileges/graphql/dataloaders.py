"""Batch functions behind the privileges feature's DataLoaders (one SQL statement each)."""

from __future__ import annotations

from collections.abc import Sequence

from koc.graphql.loaders import by_key, group_by_key
from koc.privileges.models import Privilege, PrivilegeGrant, PrivilegeRsvp, PrivilegeUsage
from koc.rows import RowsByKey

PRIVILEGES = RowsByKey(Privilege, "id")
GRANTS = RowsByKey(PrivilegeGrant, "member_id", order_by=("-granted_at", "id"))

# (member_id, privilege_id, period_key)
UsageKey = tuple[int, int, str]


async def load_privileges(ids: Sequence[int]) -> list[Privilege | None]:
    return by_key(await PRIVILEGES.fetch(ids), ids, lambda p: p.id)


async def load_grants(member_ids: Sequence[int]) -> list[list[PrivilegeGrant]]:
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
