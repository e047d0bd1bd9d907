"""Owners for new members, by rule: round-robin among the advisors routed to the member's
channel and/or region, and a referred friend to the advisor of the member who referred them.

Both run in the transaction of the change that triggers them (the first login, the referral
binding), through the handlers of ``koc.advisory.handlers``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from koc.advisory.errors import AdvisoryErrorCode
from koc.advisory.models import AdvisorRoute, FollowUp, OwnerChange, OwnerChangeReason
from koc.advisory.ownership import active_advisor, move_owners
from koc.audit import services as audit
from koc.auth.models import StaffRole
from koc.auth.viewer import StaffViewer
from koc.errors import DomainError
from koc.members.models import Member

MAX_KEYS = 50
MAX_KEY_LENGTH = 64
# A round-robin pick lost to a concurrent one is tried again this many times.
ATTEMPTS = 3


def _keys(values: list[str], field: str) -> list[str]:
    keys = sorted({v.strip() for v in values})
    if len(keys) > MAX_KEYS or any(len(k) > MAX_KEY_LENGTH for k in keys):
        raise DomainError(
            AdvisoryErrorCode.INVALID,
            f"At most {MAX_KEYS} values of at most {MAX_KEY_LENGTH} characters.",
            field,
        )
    return keys


async def set_routes(
    advisor_id: int, channels: list[str], regions: list[str], *, actor: StaffViewer
) -> list[AdvisorRoute]:
    """Route new members of these channels and regions to an advisor (replacing its routes).
    A route matches a member when its channel and region both match; an empty list means any
    (both empty: the advisor takes no new members by rule)."""
    channel_keys = _keys(channels, "channels") or [""]
    region_keys = _keys(regions, "regions") or [""]
    await active_advisor(advisor_id)
    async with in_transaction():
        await AdvisorRoute.filter(advisor_id=advisor_id).delete()
        routes = []
        if channels or regions:
            for channel in channel_keys:
                for region in region_keys:
                    routes.append(
                        await AdvisorRoute.create(
                            advisor_id=advisor_id, channel=channel, region=region
                        )
                    )
        await audit.record(
            actor,
            "advisor.routes_set",
            "StaffUser",
            advisor_id,
            after={"channels": channel_keys, "regions": region_keys},
        )
    return routes


def _specificity(route: AdvisorRoute) -> int:
    return (2 if route.channel else 0) + (1 if route.region else 0)


async def _pick_route(member: Member) -> AdvisorRoute | None:
    """The route that serves a new member next: the most specific routes that match, then the
    one whose advisor got a member longest ago (never first)."""
    routes = await AdvisorRoute.filter(
        channel__in=["", member.source_channel],
        region__in=["", member.region],
        advisor__role=StaffRole.ADVISOR,
        advisor__is_active=True,
    )
    if not routes:
        return None
    best = max(_specificity(r) for r in routes)
    floor = datetime.min.replace(tzinfo=UTC)
    return min(
        (r for r in routes if _specificity(r) == best),
        key=lambda r: (r.last_assigned_at or floor, r.id),
    )


async def assign_new_member(member: Member) -> int | None:
    """Round-robin a new member to an advisor routed to its channel/region; returns the
    advisor's id, or None (no route matches, or the member has an owner already)."""
    if member.owner_id is not None:
        return None
    for _ in range(ATTEMPTS):
        route = await _pick_route(member)
        if route is None:
            return None
        # Compare-and-set: of two new members picking the same route at once, one moves on.
        taken = await AdvisorRoute.filter(
            id=route.id, last_assigned_at=route.last_assigned_at
        ).update(last_assigned_at=datetime.now(UTC))
        if taken:
            await move_owners(
                [(member.id, None)], route.advisor_id, OwnerChangeReason.ROUND_ROBIN, by_id=None
            )
            member.owner_id = route.advisor_id
            return route.advisor_id
    return None


async def assign_to_referrers_advisor(referrer_id: int, referee_id: int) -> None:
    """A referred friend goes to the referrer's advisor, unless someone already serves them:
    an owner given by hand, a claim, or a round-robin owner who has followed up."""
    referrer_owner = await Member.filter(
        id=referrer_id, owner__role=StaffRole.ADVISOR, owner__is_active=True
    ).values_list("owner_id", flat=True)
    if not referrer_owner:
        return
    advisor_id = referrer_owner[0]
    referee = await Member.get(id=referee_id)
    if referee.owner_id == advisor_id:
        return
    if referee.owner_id is not None:
        last = await OwnerChange.filter(member_id=referee_id).order_by("-id").first()
        served = await FollowUp.exists(member_id=referee_id)
        if last is None or last.reason is not OwnerChangeReason.ROUND_ROBIN or served:
            return
    await move_owners(
        [(referee_id, referee.owner_id)], advisor_id, OwnerChangeReason.REFERRER, by_id=None
    )
