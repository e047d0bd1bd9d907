"""Batch functions behind the referrals feature's DataLoaders (a constant number of SQL
statements per batch)."""

from __future__ import annotations

from collections.abc import Sequence

from koc.graphql.loaders import by_key, group_by_key
from koc.orders.models import Order
from koc.referrals.codes import primary_codes
from koc.referrals.models import (
    PointsEntry,
    Referral,
    ReferralAccount,
    ReferralAttempt,
    ReferralCode,
    ReferralConversion,
    ReferralReward,
    ReferralStep,
)
from koc.rows import RowsByKey

ACCOUNTS = RowsByKey(ReferralAccount, "member_id")


async def load_referrals(ids: Sequence[int]) -> list[Referral | None]:
    return by_key(await Referral.filter(id__in=list(ids)), ids, lambda r: r.id)


async def load_referrals_of_referees(member_ids: Sequence[int]) -> list[Referral | None]:
    rows = await Referral.filter(referee_id__in=list(member_ids))
    return by_key(rows, member_ids, lambda r: r.referee_id)


async def load_rewards(ids: Sequence[int]) -> list[ReferralReward | None]:
    return by_key(await ReferralReward.filter(id__in=list(ids)), ids, lambda r: r.id)


async def load_points_entries(ids: Sequence[int]) -> list[PointsEntry | None]:
    return by_key(await PointsEntry.filter(id__in=list(ids)), ids, lambda e: e.id)


async def load_attempts(ids: Sequence[int]) -> list[ReferralAttempt | None]:
    return by_key(await ReferralAttempt.filter(id__in=list(ids)), ids, lambda a: a.id)


async def load_orders(ids: Sequence[int]) -> list[Order | None]:
    return by_key(await Order.filter(id__in=list(ids)), ids, lambda o: o.id)


async def load_steps(referral_ids: Sequence[int]) -> list[list[ReferralStep]]:
    rows = await ReferralStep.filter(referral_id__in=list(referral_ids)).order_by("at", "id")
    return group_by_key(rows, referral_ids, lambda s: s.referral_id)


async def load_conversions(referral_ids: Sequence[int]) -> list[list[ReferralConversion]]:
    rows = await ReferralConversion.filter(referral_id__in=list(referral_ids)).order_by("id")
    return group_by_key(rows, referral_ids, lambda c: c.referral_id)


async def load_referral_rewards(referral_ids: Sequence[int]) -> list[list[ReferralReward]]:
    rows = await ReferralReward.filter(referral_id__in=list(referral_ids)).order_by("id")
    return group_by_key(rows, referral_ids, lambda r: r.referral_id)


async def load_accounts(member_ids: Sequence[int]) -> list[ReferralAccount | None]:
    return by_key(await ACCOUNTS.fetch(member_ids), member_ids, lambda a: a.member_id)


async def load_primary_codes(member_ids: Sequence[int]) -> list[ReferralCode]:
    return await primary_codes(member_ids)
