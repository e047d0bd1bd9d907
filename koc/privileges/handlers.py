"""How privileges react to the rest of koc: a member's KOC roles, stage, tags or badges
changed (their automatic grants are re-evaluated), or a prospect merged into a member (its
grants, seats, redemptions and quota move over). koc/wiring.py connects them."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.expressions import F

from koc.badges.signals import roles_held, set_koc_roles
from koc.events import (
    KocStatusChanged,
    MemberBadgesChanged,
    MemberMerged,
    MemberStageChanged,
    MemberTagsChanged,
)
from koc.privileges.eligibility import refresh_member_grants
from koc.privileges.models import PrivilegeGrant, PrivilegeRedemption, PrivilegeRsvp, PrivilegeUsage


async def on_koc_status_changed(e: KocStatusChanged) -> None:
    # Record the roles here too (a no-op when the badges handler ran first), so the grants
    # never depend on the order the handlers were connected in.
    await set_koc_roles(e.member.id, roles_held(e.status, e.roles))
    await refresh_member_grants([e.member.id], "roles")


async def on_stages_changed(events: Sequence[MemberStageChanged]) -> None:
    await refresh_member_grants([e.member.id for e in events], "stages")


async def on_tags_changed(e: MemberTagsChanged) -> None:
    await refresh_member_grants(list(e.member_ids), "tags")


async def on_badges_changed(e: MemberBadgesChanged) -> None:
    await refresh_member_grants(list(e.member_ids), "badges")


async def on_member_merged(e: MemberMerged) -> None:
    prospect, member = e.prospect, e.member
    kept = dict(await PrivilegeGrant.filter(member_id=member.id).values_list("privilege_id", "id"))
    for twin in await PrivilegeGrant.filter(member_id=prospect.id, privilege_id__in=list(kept)):
        await PrivilegeRedemption.filter(grant_id=twin.id).update(grant_id=kept[twin.privilege_id])
        await PrivilegeRsvp.filter(grant_id=twin.id).delete()
        await twin.delete()
    await PrivilegeGrant.filter(member_id=prospect.id).update(member_id=member.id)
    await PrivilegeRsvp.filter(member_id=prospect.id).update(member_id=member.id)
    await PrivilegeRedemption.filter(member_id=prospect.id).update(member_id=member.id)
    for usage in await PrivilegeUsage.filter(member_id=prospect.id):
        moved = await PrivilegeUsage.filter(
            member_id=member.id, privilege_id=usage.privilege_id, period_key=usage.period_key
        ).update(used=F("used") + usage.used)
        if moved:
            await usage.delete()
        else:
            usage.member_id = member.id
            await usage.save(update_fields=["member_id"])
    await refresh_member_grants([member.id])
