"""The points ledger: every change is a row with the balance after it and a unique key.

Writes for one member are serialized by locking the member's ``ReferralAccount`` row
(SELECT ... FOR UPDATE on PostgreSQL; SQLite runs one write transaction at a time), so the
balance is exact however many credits arrive at once, and a key seen before returns the
entry it made instead of posting twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from koc.db import execute, on_postgres
from koc.referrals.models import PointsEntry, PointsReason, ReferralAccount
from koc.rows import fetch_by_keys


async def ensure_accounts(member_ids: list[int]) -> None:
    """Create the missing accounts of these members (concurrent creators do not collide).
    A fixed statement, as the model's defaults would write them: every converting order
    makes sure of its referrer's account."""
    if not member_ids:
        return
    now = datetime.now(UTC)
    await execute(
        "INSERT INTO referral_account"
        " (member_id, points_balance, negative_since, koc_status, banned, ban_reason, updated_at)"
        f" VALUES {', '.join(['(?, 0, NULL, ?, ?, ?, ?)'] * len(member_ids))}"
        " ON CONFLICT DO NOTHING",
        [value for m in member_ids for value in (m, "", False, "", now)],
    )


async def lock_accounts(member_ids: list[int]) -> None:
    """Lock these members' accounts (created before) until the transaction ends, in member
    order so two transactions never wait on each other. SQLite runs one write transaction at a
    time: nothing to lock there."""
    if member_ids and on_postgres():
        await fetch_by_keys(
            "SELECT member_id FROM referral_account WHERE member_id IN ({keys})"
            " ORDER BY member_id FOR UPDATE",
            member_ids,
        )


async def lock_account(member_id: int) -> ReferralAccount:
    """The member's account, created if needed and locked until the transaction ends."""
    await ensure_accounts([member_id])
    return await ReferralAccount.get(member_id=member_id).select_for_update()


async def post_points(
    member_id: int, delta: int, reason: PointsReason, reference: str, key: str
) -> PointsEntry:
    """Add ``delta`` (negative to debit) to the member's points. Idempotent per ``key``.

    A balance that goes below zero (a clawback of points already spent) is allowed and the
    account is flagged with ``negative_since`` until it is back at zero or above.
    """
    async with in_transaction():
        account = await lock_account(member_id)
        existing = await PointsEntry.get_or_none(idempotency_key=key)
        if existing is not None:
            return existing
        balance = account.points_balance + delta
        negative_since = account.negative_since
        if balance < 0 and negative_since is None:
            negative_since = datetime.now(UTC)
        elif balance >= 0:
            negative_since = None
        await ReferralAccount.filter(id=account.id).update(
            points_balance=balance, negative_since=negative_since
        )
        return await PointsEntry.create(
            member_id=member_id,
            delta=delta,
            balance_after=balance,
            reason=reason,
            reference=reference[:64],
            idempotency_key=key,
        )
