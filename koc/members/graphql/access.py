"""The per-object half of an ADVISOR's scope (the list half is ``koc.auth.scope``): may this
caller read or change this member? For every other caller the answer is the synchronous rule of
``koc.auth.viewer.can_read_member``; for an ADVISOR it is the member's owner, read through the
request's member loader (rows already loaded cost nothing, the rest one statement per batch).
"""

from __future__ import annotations

from collections.abc import Iterable

from koc.auth.scope import owns_all
from koc.auth.viewer import Viewer, advisor_id, can_read_member
from koc.graphql.context import Info
from koc.graphql.loaders import loader
from koc.graphql.permissions import forbidden
from koc.members.graphql import dataloaders as dl


async def may_read_member(info: Info, member_id: int) -> bool:
    viewer = info.context.viewer
    staff_id = advisor_id(viewer)
    if staff_id is None:
        return can_read_member(viewer, member_id)
    row = await loader(info, dl.load_members).load(member_id)
    return row is not None and row.owner_id == staff_id


async def require_readable(info: Info, member_ids: Iterable[int]) -> None:
    """FORBIDDEN unless the caller may read every member named."""
    ids = list(dict.fromkeys(member_ids))
    viewer = info.context.viewer
    if advisor_id(viewer) is None:
        if not all(can_read_member(viewer, i) for i in ids):
            raise forbidden()
        return
    rows = await loader(info, dl.load_members).load_many(ids)
    if any(r is None or r.owner_id != advisor_id(viewer) for r in rows):
        raise forbidden()


async def require_owned(viewer: Viewer, member_ids: Iterable[int]) -> None:
    """FORBIDDEN unless the caller may change every member named (for an ADVISOR: owns them).
    The operation's permission class has admitted the caller's kind already."""
    if not await owns_all(viewer, list(member_ids)):
        raise forbidden()
