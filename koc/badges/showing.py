"""What a member shows of badges: progress toward the visible automatic badges not yet
earned, and the short-lived signed token (a QR) a partner verifies. Changes when what members
and partners see changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from koc.badges import signing
from koc.badges.errors import BadgeVerifyResult
from koc.badges.models import (
    Badge,
    BadgeHolding,
    BadgeRule,
)
from koc.badges.rules import (
    Progress,
    progress,
)
from koc.badges.signals import load_signals, spec_of
from koc.members.models import Member

TOKEN_PURPOSE = "badge"


async def progress_of(member_ids: Sequence[int]) -> list[list[tuple[Badge, Progress]]]:
    """Per member: each visible automatic badge not held (nor revoked) and how far along they
    are. Five statements for any number of members."""
    badges = (
        await Badge.filter(active=True, visible=True)
        .exclude(rule=BadgeRule.MANUAL)
        .order_by("family", "level")
    )
    if not badges:
        return [[] for _ in member_ids]
    held = set(
        await BadgeHolding.filter(
            member_id__in=list(member_ids), badge_id__in=[b.id for b in badges]
        ).values_list("member_id", "badge_id")
    )
    now = datetime.now(UTC)
    result = []
    for member_id, signals in zip(member_ids, await load_signals(member_ids), strict=True):
        rows = []
        for badge in badges:
            found = progress(spec_of(badge), signals, now)
            if (member_id, badge.id) not in held and found is not None:
                rows.append((badge, found))
        result.append(rows)
    return result


def token_for(secret: str, ttl_seconds: int, member_id: int, badge_id: int) -> tuple[str, datetime]:
    """The QR content proving the member holds the badge, and when it stops working."""
    # Whole seconds: what the token carries is what the caller is told.
    expires_at = (datetime.now(UTC) + timedelta(seconds=ttl_seconds)).replace(microsecond=0)
    return signing.sign(secret, TOKEN_PURPOSE, (member_id, badge_id), expires_at), expires_at


@dataclass
class Verification:
    result: BadgeVerifyResult
    badge: Badge | None = None
    member: Member | None = None
    holding: BadgeHolding | None = None
    expires_at: datetime | None = None


async def verify_token(secret: str, token: str) -> Verification:
    """Check a badge QR: its signature and expiry, then that the badge is still held."""
    try:
        (member_id, badge_id), expires_at = signing.verify(secret, TOKEN_PURPOSE, token, 2)
    except signing.TokenError as exc:
        return Verification(BadgeVerifyResult(exc.problem.value))
    holding = await BadgeHolding.get_or_none(member_id=member_id, badge_id=badge_id)
    badge = await Badge.get_or_none(id=badge_id)
    member = await Member.get_or_none(id=member_id)
    if holding is None or holding.revoked_at is not None or badge is None or member is None:
        return Verification(BadgeVerifyResult.REVOKED, badge=badge, expires_at=expires_at)
    return Verification(
        BadgeVerifyResult.VALID, badge=badge, member=member, holding=holding, expires_at=expires_at
    )
