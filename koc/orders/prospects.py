"""Prospects: members known only from a partner's report (a phone or a unionid we had not
seen), created when their first order or event arrives, and folded into the member they turn
out to be when that person logs in and binds the phone.

It lives with orders because orders create prospects and own most of what a prospect has;
members below it must not know about orders.
"""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from koc.members.models import Member
from koc.members.services import first_stage_id, fold_member
from koc.orders.models import MemberEvent, Order


async def create_prospect(**identity: Any) -> Member:
    """The prospect of this unionid or phone, created if new. Call inside a transaction."""
    # Two partners reporting the same new person at once: the unique index decides, the loser
    # reads the winner's row. The savepoint keeps the outer transaction usable.
    try:
        async with in_transaction():
            return await Member.create(
                source_channel="partner", stage_id=await first_stage_id(), **identity
            )
    except IntegrityError:
        member = await Member.get_or_none(**identity)
        if member is None:
            raise
        return member


async def merge_prospect(prospect: Member, *, into: Member) -> None:
    """Fold a prospect member (known only by phone or unionid) into the member it turned out
    to be: its orders, events, tags and history move over, then the prospect is deleted.

    Call inside a transaction. The orders move first, so the features that connect to
    ``MemberMerged`` to move their own rows already see the member's whole history.
    """
    await Order.filter(member_id=prospect.id).update(member_id=into.id)
    await MemberEvent.filter(member_id=prospect.id).update(member_id=into.id)
    await fold_member(prospect, into=into)
