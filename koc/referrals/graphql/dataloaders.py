"""Batch functions behind the referrals feature's DataLoaders (a constant number of SQL
statements per batch)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from koc.graphql.loaders import by_key, group_by_key
from koc.graphql.relay import Children
from koc.orders.models import Order
from koc.referrals.codes import CodeRow, primary_codes
from koc.referrals.models import (
    Milestone,
    PointsEntry,
    PointsReason,
    Referral,
    ReferralAccount,
    ReferralAttempt,
    ReferralChannel,
    ReferralConversion,
    ReferralReward,
    ReferralStep,
    ReviewStatus,
    RewardKind,
    RewardRole,
    RewardStatus,
)
from koc.rows import RowsByKey


class AccountRow(NamedTuple):
    """What the Member type reads of a referral account."""

    member_id: int
    points_balance: int
    negative_since: datetime | None
    koc_status: str
    banned: bool


class ReferralRow(NamedTuple):
    """What the Referral type reads of a referral."""

    id: int
    code: str
    channel: ReferralChannel
    device_id: str | None
    risk_rank: int | None
    bound_at: datetime
    expires_at: datetime
    milestone: Milestone
    milestone_at: datetime
    review_status: ReviewStatus
    fraud_signals: list[str]
    review_note: str
    referrer_id: int
    referee_id: int


class PointsEntryRow(NamedTuple):
    """What the PointsEntry type reads of a ledger entry."""

    id: int
    delta: int
    balance_after: int
    reason: PointsReason
    reference: str
    created_at: datetime
    member_id: int


class RewardRow(NamedTuple):
    """What the ReferralReward type reads of a reward."""

    id: int
    role: RewardRole
    kind: RewardKind
    points: int
    privilege: str
    tier: int
    status: RewardStatus
    due_at: datetime
    issued_at: datetime | None
    note: str
    member_id: int
    referral_id: int


ACCOUNTS = RowsByKey(ReferralAccount, AccountRow, "member_id")
# The Member type's connections, paged for every member of a request at once.
REFERRALS_BROUGHT = Children(Referral, ReferralRow, parent="referrer_id")
POINTS_LEDGER = Children(PointsEntry, PointsEntryRow, parent="member_id")
REWARDS_EARNED = Children(ReferralReward, RewardRow, parent="member_id")


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


async def load_accounts(member_ids: Sequence[int]) -> list[AccountRow | None]:
    return by_key(await ACCOUNTS.fetch(member_ids), member_ids, lambda a: a.member_id)


async def load_primary_codes(member_ids: Sequence[int]) -> list[CodeRow]:
    return await primary_codes(member_ids)
