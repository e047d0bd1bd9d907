"""How privileges react to the rest of koc: a prospect merged into a member (its grants,
seats, redemptions and quota move over). Automatic grants follow a member's facts through
koc.segments.layering (the path that re-layers tag rules), not through handlers here.
koc/wiring.py connects them."""

from __future__ import annotations

from tortoise.expressions import F

from koc.events import MemberMerged
from koc.privileges.eligibility import refresh_member_grants
from koc.privileges.models import PrivilegeGrant, PrivilegeRedemption, PrivilegeRsvp, PrivilegeUsage


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
