"""What part of the members a caller may reach: the one place where an ADVISOR's scope is
decided. Every other caller's reach is decided by role and scope (``koc.auth.viewer``); an
ADVISOR reaches only the members it owns (``Member.owner``), in lists, bulk changes and single
reads alike.

Two tools, used everywhere a member is read or changed:
- ``scope_filter`` narrows a ``MemberFilter`` (every list and bulk change is one) to the
  caller's members;
- ``owns_all`` is the per-object check, for a change naming members by ID (the GraphQL side,
  ``koc.members.graphql.access``, also answers single reads from the request's loaded rows).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from koc.auth.viewer import Viewer, advisor_id
from koc.members.models import Member
from koc.members.services import MemberFilter


def scope_filter(f: MemberFilter | None, viewer: Viewer) -> MemberFilter | None:
    """``f`` restricted to the members ``viewer`` may reach (for an ADVISOR, its own)."""
    staff_id = advisor_id(viewer)
    if staff_id is None:
        return f
    return dataclasses.replace(f or MemberFilter(), owner_id=staff_id)


async def owns_all(viewer: Viewer, member_ids: Collection[int]) -> bool:
    """True when ``viewer`` may change every one of ``member_ids``: any caller that is not an
    ADVISOR (its role decided already), an ADVISOR when it owns them all. Unknown IDs count as
    not owned, so the answer never tells whether a member exists."""
    staff_id = advisor_id(viewer)
    if staff_id is None:
        return True
    wanted = set(member_ids)
    return await Member.filter(id__in=list(wanted), owner_id=staff_id).count() == len(wanted)
