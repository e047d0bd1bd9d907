"""Personal fields of a member as a partner app may see them: only with the member's SHARING
consent. Other callers get the value as it is, with no extra work."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from koc.auth.viewer import PartnerViewer
from koc.graphql.context import Info
from koc.graphql.loaders import loader
from koc.privacy.graphql.dataloaders import load_sharing

T = TypeVar("T")


async def _if_shared(info: Info, member_id: int, value: T, withheld: T) -> T:
    return value if await shares_with_partners(info, member_id) else withheld


def shared(info: Info, member_id: int, value: T, withheld: T) -> T | Awaitable[T]:
    """``value``, or for a partner app ``withheld`` unless the member shares with partners.

    Synchronous for everyone but partners, so a member reading their profile pays nothing; for
    a partner the field resolves once the request's consent lookup (one statement for every
    member it reads) is done."""
    if not isinstance(info.context.viewer, PartnerViewer):
        return value
    return _if_shared(info, member_id, value, withheld)


async def shares_with_partners(info: Info, member_id: int) -> bool:
    """False only for a partner app reading a member who does not share with partners."""
    return not isinstance(info.context.viewer, PartnerViewer) or await loader(
        info, load_sharing
    ).load(member_id)
