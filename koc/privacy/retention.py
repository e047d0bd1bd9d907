"""Keeping data no longer than needed: prospects a partner reported who never logged in, and
raw member events, each after a configurable period (``koc privacy retention``).

Aggregates stay: a prospect is erased like a member who asked (their orders keep counting on
the emptied row), and the discovery signals and badge counts events fed were counted when the
events arrived. Only ``koc kocs recompute-scores``, which rebuilds signals from the events still
held, no longer sees the purged ones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q, Subquery
from tortoise.transactions import in_transaction

from koc.members.models import Member, MemberIdentity
from koc.orders.models import MemberEvent, Order
from koc.privacy.erasure import erase_prospect

CHUNK = 500


def _cutoff(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def stale_prospects(days: int) -> Q:
    """Members known only by a partner's report (no WeChat login), not erased yet, with nothing
    new (creation, activity, order, event) for ``days``."""
    cutoff = _cutoff(days)
    return (
        Q(created_at__lt=cutoff)
        & (Q(phone__isnull=False) | Q(unionid__isnull=False))
        & (Q(last_active_at__isnull=True) | Q(last_active_at__lt=cutoff))
        & ~Q(id__in=Subquery(MemberIdentity.all().values("member_id")))
        & ~Q(id__in=Subquery(Order.filter(occurred_at__gte=cutoff).values("member_id")))
        & ~Q(id__in=Subquery(MemberEvent.filter(occurred_at__gte=cutoff).values("member_id")))
    )


async def purge_prospects(days: int) -> int:
    """Erase stale prospects, each in its own transaction. Returns how many."""
    done, last_id = 0, 0
    while True:
        ids = (
            await Member.filter(stale_prospects(days), id__gt=last_id)
            .order_by("id")
            .limit(CHUNK)
            .values_list("id", flat=True)
        )
        if not ids:
            return done
        for member_id in ids:
            async with in_transaction():
                # still stale once locked (a login or an order may have come meanwhile)
                locked = await Member.filter(
                    stale_prospects(days), id=member_id
                ).select_for_update()
                if locked:
                    await erase_prospect(member_id)
                    done += 1
        last_id = ids[-1]


async def purge_events(days: int) -> int:
    """Delete member events that happened more than ``days`` ago. Returns how many."""
    cutoff, done, last_id = _cutoff(days), 0, 0
    while True:
        ids = (
            await MemberEvent.filter(id__gt=last_id, occurred_at__lt=cutoff)
            .order_by("id")
            .limit(CHUNK)
            .values_list("id", flat=True)
        )
        if not ids:
            return done
        done += await MemberEvent.filter(id__in=ids).delete()
        last_id = ids[-1]
