"""How notifications react to the rest of koc's events (connected in ``koc.wiring``): each
reaction is a trigger of ``koc.notifications.triggers``."""

from __future__ import annotations

from collections.abc import Sequence

from koc.events import (
    KocApplicationReviewed,
    KocStatusChanged,
    MemberBadgesChanged,
    PrivilegeGranted,
    ReferralRewardsChanged,
)
from koc.notifications import triggers


async def on_koc_status_changed(e: KocStatusChanged) -> None:
    if e.status == "ACTIVE":
        await triggers.kocs_activated([e.member.id], e.roles)


async def on_badges_changed(e: MemberBadgesChanged) -> None:
    await triggers.badges_awarded(e.member_ids)


async def on_koc_application_reviewed(e: KocApplicationReviewed) -> None:
    await triggers.koc_applications_reviewed([e.application_id])


async def on_privileges_granted(events: Sequence[PrivilegeGranted]) -> None:
    # By staff, a referral reward or the eligibility rules: a rule's refresh over every member
    # is one batch of these, so one call.
    await triggers.privileges_granted([e.grant.id for e in events])


async def on_referral_rewards_changed(e: ReferralRewardsChanged) -> None:
    await triggers.referral_rewards_changed(e.reward_ids)
