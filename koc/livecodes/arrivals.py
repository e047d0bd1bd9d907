"""A member arriving through a live code, by either path (the mini-program's first login with
the code as its scene, or WeCom's add-contact callback with the code as its state): recorded
once per member and code, the code's tags added, and a KOC's code binding the referral.

Call inside the transaction of the login or the callback, so an arrival is never half-written;
a second arrival of the same member through the same code changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from koc.consent.tags import apply_automatic_tags
from koc.livecodes.models import ArrivalSource, LiveCode, LiveCodeArrival
from koc.members.models import Tag, TagSource
from koc.referrals.binding import bind_referral
from koc.referrals.codes import primary_codes
from koc.referrals.models import ReferralChannel

CHANNEL_OF = {
    ArrivalSource.LOGIN: ReferralChannel.SHARE,
    ArrivalSource.WECOM: ReferralChannel.WECOM,
}


async def record_arrival(
    code: LiveCode,
    member_id: int,
    source: ArrivalSource,
    *,
    member_created: bool,
    advisor_userid: str = "",
) -> LiveCodeArrival | None:
    """Record that the member came through ``code``; None when they already had (a replay)."""
    try:
        async with in_transaction():  # a savepoint: a concurrent twin loses only this insert
            arrival = await LiveCodeArrival.create(
                live_code_id=code.id,
                member_id=member_id,
                source=source,
                member_created=member_created,
                advisor_userid=advisor_userid,
                arrived_at=datetime.now(UTC),
            )
    except IntegrityError:
        return None
    if code.tag_ids:
        tags = await Tag.filter(id__in=code.tag_ids).prefetch_related("group")
        await apply_automatic_tags(
            [member_id], tags, source=TagSource.AUTO, cause=f"live code {code.slug}"
        )
    owner = code.owner_member_id  # type: ignore[attr-defined]
    if owner is not None and owner != member_id:
        (referral_code,) = await primary_codes([owner])
        result = await bind_referral(member_id, referral_code.code, CHANNEL_OF[source])
        if result.referral is not None and result.referral.referrer_id == owner:  # type: ignore[attr-defined]
            arrival.referral_bound = True
            await arrival.save(update_fields=["referral_bound"])
    return arrival
