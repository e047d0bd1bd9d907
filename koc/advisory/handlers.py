"""How advisory reacts to what other features publish (subscribed in koc/wiring.py)."""

from __future__ import annotations

from koc.advisory import routing
from koc.advisory.models import FollowUp, OwnerChange
from koc.events import MemberLoggedIn, MemberMerged, ReferralBound
from koc.members.models import Member


async def on_member_logged_in(e: MemberLoggedIn) -> None:
    """A member's first sign-in is their first contact: a route may give them an owner."""
    if e.created:
        await routing.assign_new_member(await Member.get(id=e.member.id))


async def on_referral_bound(e: ReferralBound) -> None:
    await routing.assign_to_referrers_advisor(e.referrer_id, e.referee_id)


async def on_member_merged(e: MemberMerged) -> None:
    """A prospect found to be an existing member: its follow-ups and owner history follow it;
    the member keeps its owner, or takes the prospect's when it has none."""
    await FollowUp.filter(member_id=e.prospect.id).update(member_id=e.member.id)
    await OwnerChange.filter(member_id=e.prospect.id).update(member_id=e.member.id)
    prospect = await Member.get_or_none(id=e.prospect.id)
    if prospect is not None and prospect.owner_id is not None:
        await Member.filter(id=e.member.id, owner_id=None).update(
            owner_id=prospect.owner_id, owned_at=prospect.owned_at
        )
