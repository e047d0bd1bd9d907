"""The one place a live code hands a member to an advisor: a member who added an advisor through
an ADVISOR code becomes that advisor's member. The ownership itself (one owner advisor per
member, its history) belongs to the advisory feature; until it lands on main, the advisor is
kept on the arrival (``LiveCodeArrival.advisor_userid``) and this function is where advisory's
assignment will be called."""

from __future__ import annotations


async def assign_to_advisor(member_id: int, staff_id: int | None) -> bool:
    """Make ``staff_id`` the member's owner advisor, inside the arrival's transaction. Returns
    whether an owner was assigned (no koc staff account, or no ownership yet: False)."""
    if staff_id is None:
        return False
    return False
