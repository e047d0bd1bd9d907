"""How privileges react to the rest of koc: a member's KOC roles, stage, tags or badges
changed (their automatic grants are re-evaluated), or a prospect merged into a member (its
grants, seats, redemptions and quota move over). Connected when the feature is imported."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.expressions import F

from koc import hooks
from koc.badges.signals import roles_held, set_koc_roles
from koc.members.models import Member
from koc.privileges.eligibility import refresh_member_grants
from koc.privileges.models import PrivilegeGrant, PrivilegeRedemption, PrivilegeRsvp, PrivilegeUsage


async def _on_koc_status_changed(member: Member, status: str, roles: list[str], **_: Any) -> None:
    # Record the roles here too (a no-op when the badges handler ran first), so the grants
    # never depend on the order the handlers were connected in.
    await set_koc_roles(member.id, roles_held(status, roles))
    await refresh_member_grants([member.id], "roles")


async def _on_stages_changed(calls: Sequence[dict[str, Any]]) -> None:
    await refresh_member_grants([c["member"].id for c in calls], "stages")


async def _on_tags_changed(member_ids: list[int], **_: Any) -> None:
    await refresh_member_grants(member_ids, "tags")


async def _on_badges_changed(member_ids: list[int], **_: Any) -> None:
    await refresh_member_grants(member_ids, "badges")


async def _on_member_merged(prospect: Member, member: Member, **_: Any) -> None:
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


hooks.koc_status_changed.connect(_on_koc_status_changed)
hooks.member_stage_changed.connect_batch(_on_stages_changed)
hooks.member_tags_changed.connect(_on_tags_changed)
hooks.member_badges_changed.connect(_on_badges_changed)
hooks.member_merged.connect(_on_member_merged)
