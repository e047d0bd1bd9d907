"""Fresh referees for the ingestion steps: every step gets people whose first order is still to
come, at every size.

The seeded referees who have not bought yet are few at small sizes (about 500 at 10,000
members): the single-order step used them up and the batch step went round again, recording
orders that no longer converted, so the scale table compared different work across sizes.
Here each step gets its own referees, made for it: a prospect member (known by a unionid, as a
partner would name them) bound two days ago to one of the busiest referrers, as koc's binding
writes it (the referral at LEAD, its attempt and its LEAD step). Their orders, dated a day after
the binding, convert and pay for the whole attribution.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from koc.db import APPS

Referee = tuple[str, str]  # (unionid, occurredAt of their order)


async def make_fresh_referees(count: int, window_days: int) -> list[Referee]:
    """``count`` new referees bound to the busiest referrers, each with the time of an order
    inside their attribution window. Without the referrals feature: new prospects."""
    from koc.members.models import Member
    from koc.members.services import first_stage_id

    if count <= 0:
        return []
    run = secrets.token_hex(4)
    now = datetime.now(UTC).replace(microsecond=0)
    bound = now - timedelta(days=2)
    stage_id = await first_stage_id()
    unionids = [f"bench-fresh-{run}-{k}" for k in range(count)]
    await Member.bulk_create(
        [
            Member(
                unionid=u,
                nickname="",
                source_channel="referral",
                stage_id=stage_id,
                created_at=bound,
                last_active_at=bound,
            )
            for u in unionids
        ],
        batch_size=1000,
    )
    ids = dict(await Member.filter(unionid__in=unionids).values_list("unionid", "id"))
    if "referrals" in APPS:
        await _bind([ids[u] for u in unionids], bound, bound + timedelta(days=window_days))
    occurred = (bound + timedelta(days=1)).isoformat()
    return [(u, occurred) for u in unionids]


async def _bind(referee_ids: list[int], bound: datetime, expires: datetime) -> None:
    from tortoise.functions import Count

    from koc.referrals.models import (
        Milestone,
        Referral,
        ReferralAttempt,
        ReferralChannel,
        ReferralCode,
        ReferralStep,
        StepKind,
    )

    busiest = (
        await Referral.all()
        .group_by("referrer_id")
        .annotate(n=Count("id"))
        .order_by("-n", "referrer_id")
        .limit(50)
        .values_list("referrer_id", flat=True)
    )
    codes: dict[int, str] = {}
    for code in await ReferralCode.filter(member_id__in=list(busiest), active=True):
        codes.setdefault(code.member_id, code.code)
    referrers = [m for m in busiest if m in codes]
    if not referrers:  # a tiny seed: any code owner
        first = await ReferralCode.filter(active=True).order_by("id").first()
        if first is None:
            return
        referrers, codes = [first.member_id], {first.member_id: first.code}
    rows: list[dict[str, Any]] = []
    for k, referee in enumerate(referee_ids):
        referrer = referrers[k % len(referrers)]
        rows.append({"referrer_id": referrer, "referee_id": referee, "code": codes[referrer]})
    channel = ReferralChannel.SHARE
    await Referral.bulk_create(
        [
            Referral(
                **r,
                channel=channel,
                bound_at=bound,
                expires_at=expires,
                milestone=Milestone.LEAD,
                milestone_at=bound,
                created_at=bound,
            )
            for r in rows
        ],
        batch_size=1000,
    )
    await ReferralAttempt.bulk_create(
        [ReferralAttempt(**r, channel=channel, created_at=bound) for r in rows], batch_size=1000
    )
    referral_ids = await Referral.filter(referee_id__in=referee_ids).values_list("id", flat=True)
    await ReferralStep.bulk_create(
        [ReferralStep(referral_id=i, kind=StepKind.LEAD, at=bound) for i in referral_ids],
        batch_size=1000,
    )
