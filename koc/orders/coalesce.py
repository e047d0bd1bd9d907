"""Single orders through the batch path: ``orderRecord`` calls of one partner that arrive while
an earlier one is being written are recorded together, in the next batch.

A converting order costs about forty statements, nearly all of them a fixed price per batch
(``services.record_orders`` reads and writes for every order of a batch at once): recorded
alone, each order pays all of it; recorded with the others waiting, they share it, as a batch
from ``ordersRecord`` does. A partner that sends one order at a time, waiting for each answer,
sees no change: a call that finds nothing running starts at once, a batch of one. Calls that
overlap (several clients, several cash registers of a dealer) queue behind the running batch
and leave in the next, up to ``MAX_BATCH`` at a time.

Every caller gets its own result as if its call had run alone: the batch records each order
exactly as ``record_orders`` does (a refused order is that caller's error, an externalId sent
twice is a replay of the first). A batch that fails as a whole (the database refused it) is
tried again order by order, so one caller's failure is never another's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from koc.orders import services

MAX_BATCH = 500


Outcome = services.Recorded | BaseException  # an exception is raised to its caller


@dataclass
class _Waiting:
    order: services.OrderInput
    # A raised exception travels as a result: a caller that gave up leaves it unread, which
    # an exception set on the future would log as never retrieved.
    answer: asyncio.Future[Outcome]


@dataclass
class _Lane:
    """The orders of one partner (and mini-program) waiting for the next batch."""

    waiting: list[_Waiting] = field(default_factory=list)
    running: asyncio.Task[None] | None = None


# One set of lanes per event loop (a worker process has one; tests start many).
_lanes: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, str], _Lane]] = (
    WeakKeyDictionary()
)


async def record_order(
    partner_id: int, data: services.OrderInput, default_appid: str
) -> services.Recorded:
    """``services.record_order``, written together with the calls that overlap it."""
    loop = asyncio.get_running_loop()
    lanes = _lanes.setdefault(loop, {})
    lane = lanes.setdefault((partner_id, default_appid), _Lane())
    waiting = _Waiting(data, loop.create_future())
    lane.waiting.append(waiting)
    if lane.running is None:
        # Its own task: a caller that gives up (a timeout) must not stop the batch that
        # carries the others' orders.
        lane.running = loop.create_task(_drain(lane, partner_id, default_appid))
    result = await asyncio.shield(waiting.answer)
    if isinstance(result, BaseException):
        raise result
    return result


async def _drain(lane: _Lane, partner_id: int, default_appid: str) -> None:
    try:
        while lane.waiting:
            batch, lane.waiting = lane.waiting[:MAX_BATCH], lane.waiting[MAX_BATCH:]
            await _record(batch, partner_id, default_appid)
    finally:
        lane.running = None


async def _record(batch: Sequence[_Waiting], partner_id: int, default_appid: str) -> None:
    try:
        results: Sequence[Outcome] = await services.record_orders(
            partner_id, [w.order for w in batch], default_appid
        )
    except Exception as exc:
        if len(batch) > 1:
            for waiting in batch:  # nothing was written: each alone, each its own outcome
                await _record([waiting], partner_id, default_appid)
            return
        results = [exc]
    for waiting, result in zip(batch, results, strict=True):
        if not waiting.answer.done():
            waiting.answer.set_result(result)
