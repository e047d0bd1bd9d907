"""How advisory reacts to what other features record (koc.hooks)."""

from __future__ import annotations

from typing import Any

from koc import hooks
from koc.advisory import routing
from koc.advisory.models import FollowUp, OwnerChange
from koc.members.models import Member


async def on_member_merged(prospect: Member, member: Member, **_: Any) -> None:
    """A prospect found to be an existing member: its follow-ups and owner history follow it;
    the member keeps its owner, or takes the prospect's when it has none."""
    await FollowUp.filter(member_id=prospect.id).update(member_id=member.id)
    await OwnerChange.filter(member_id=prospect.id).update(member_id=member.id)
    if member.owner_id is None and prospect.owner_id is not None:
        await Member.filter(id=member.id).update(
            owner_id=prospect.owner_id, owned_at=prospect.owned_at
        )


hooks.member_logged_in.connect(routing.on_member_logged_in)
hooks.referral_bound.connect(routing.on_referral_bound)
hooks.member_merged.connect(on_member_merged)
