"""The one place a live code hands a member to an advisor: a member who added an advisor through
an ADVISOR code becomes that advisor's member (the advisory feature's ownership, with its
history), unless another advisor already serves them."""

from __future__ import annotations

from koc.advisory.models import OwnerChangeReason
from koc.advisory.ownership import move_owners
from koc.members.models import Member

NOTE = "Added the advisor through a WeCom live code."


async def assign_to_advisor(member_id: int, staff_id: int | None) -> bool:
    """Make ``staff_id`` the member's owner advisor, inside the arrival's transaction. Returns
    whether the owner changed (False: no koc staff account behind the WeCom user, or the member
    already has an owner, who keeps them)."""
    if staff_id is None:
        return False
    owner = await Member.filter(id=member_id).values_list("owner_id", flat=True)
    if not owner or owner[0] is not None:
        return False
    moved = await move_owners(
        [(member_id, None)], staff_id, OwnerChangeReason.ASSIGN, by_id=None, note=NOTE
    )
    return moved == 1
