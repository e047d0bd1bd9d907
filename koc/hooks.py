"""In-process hooks: how later features react to what the foundation records.

A feature registers an async handler at import (``hooks.order_recorded.connect(fn)``). Handlers
run inside the transaction of the change, in registration order, so a failure rolls back the
whole change and nothing is half-written.

A change of many rows at once (a batch of orders) calls ``send_many`` with one set of keyword
arguments per row. A handler connected with ``connect_batch`` receives that whole list in one
call, so it can read and write for every row in a few statements; a plain handler is called once
per row. Either way each handler sees every row before the next handler runs, and ``send`` is a
batch of one, so a batch handler is the only code path of its feature.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

Handler = Callable[..., Awaitable[Any]]
# Called with the list of keyword-argument dicts of every send in the batch.
BatchHandler = Callable[[Sequence[dict[str, Any]]], Awaitable[Any]]


class Hook:
    def __init__(self, name: str) -> None:
        self.name = name
        self._handlers: list[Handler] = []
        self._batched: set[Handler] = set()

    def connect(self, handler: Handler) -> Handler:
        if handler not in self._handlers:
            self._handlers.append(handler)
        return handler

    def connect_batch(self, handler: BatchHandler) -> BatchHandler:
        """Connect a handler that takes the keyword arguments of all the sends of a batch."""
        self.connect(handler)
        self._batched.add(handler)
        return handler

    async def send(self, **kwargs: Any) -> None:
        await self.send_many([kwargs])

    async def send_many(self, calls: Sequence[dict[str, Any]]) -> None:
        if not calls:
            return
        for handler in self._handlers:
            if handler in self._batched:
                await handler(calls)
            else:
                for kwargs in calls:
                    await handler(**kwargs)


# order=Order, member=Member, context=dict of extra input (e.g. a referral code)
order_recorded = Hook("order_recorded")
# order=Order, refund=Refund, member=Member
order_refunded = Hook("order_refunded")
# event=MemberEvent, member=Member
member_event_recorded = Hook("member_event_recorded")
# member=Member, created=bool, channel=str|None: after a WeChat login
member_logged_in = Hook("member_logged_in")
# prospect=Member, member=Member: a prospect found to be an existing member (same phone);
# move per-member rows from prospect.id to member.id before the prospect is deleted
member_merged = Hook("member_merged")

# --- raised by feature modules (each documents its keyword arguments) ---------------------
# member=Member, status=str, roles=list[str]: a KOC profile changed status (creators)
koc_status_changed = Hook("koc_status_changed")
# member_id=int, submission_id=int, rating=int | None, approved=bool: a campaign submission
# was reviewed (creators)
campaign_submission_reviewed = Hook("campaign_submission_reviewed")
# referrer_id=int, referee_id=int, order=Order: an order was attributed to a referral
referral_converted = Hook("referral_converted")
# referrer_id=int, referee_id=int: a referee was bound to a referrer (a new first touch)
referral_bound = Hook("referral_bound")
# referrer_id=int, referee_id=int, order=Order: an attributed order was refunded
referral_reversed = Hook("referral_reversed")
# referral_id=int, referrer_id=int: staff give the referral to referrer_id; sent before its
# standing conversions move, so a handler can still read their previous referrers
referral_reattributed = Hook("referral_reattributed")
# member_id=int, survey_id=int, response_id=int: a survey was answered (surveys)
survey_responded = Hook("survey_responded")
# member_ids=list[int]: staff or a rule added or removed tags of these members (members)
member_tags_changed = Hook("member_tags_changed")
# member=Member: the member moved to another lifecycle stage, by staff or a rule (members)
member_stage_changed = Hook("member_stage_changed")
# member_id=int, purpose=Purpose, granted=bool: what features may do with the member's data
# for a purpose changed (privacy); sent inside the decision's transaction
consent_changed = Hook("consent_changed")
# member_ids=list[int]: badges were awarded to or revoked from these members (badges)
member_badges_changed = Hook("member_badges_changed")
# member_id=int, advisor_id=int, at=datetime: an advisor recorded a contact (advisory)
follow_up_recorded = Hook("follow_up_recorded")
