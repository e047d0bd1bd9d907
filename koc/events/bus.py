"""The in-process event bus: features publish typed events inside the transaction of the change,
and the handlers that koc/wiring.py lists run right there, in the order it lists them.

Why a bus and not direct calls: a feature low in the import graph (orders) must make features
above it (referrals, badges, creators) react without importing them. Why one wiring module and
not handlers that connect themselves on import: the set and order of handlers must not depend on
which modules a process happened to import, nor on how the linter sorts imports. So nothing but
``koc.wiring.connect_all`` installs handlers, and publishing before it did is an error rather
than a change that silently skips attribution, badges and scores.

``publish`` also writes the public events to the outbox (koc.events.outbox) in the same
transaction: a change that rolls back leaves no event, one that commits cannot lose its events.

A handler either takes one event, or (a batch handler) the list of every event of one type that a
``publish_many`` carried, so a batch of 500 orders costs each batch handler a few statements, not
500 times a few. Each handler sees every event of the batch before the next handler runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from koc.events import outbox
from koc.events.memo import batch_memo


@dataclass(frozen=True, slots=True)
class Event:
    """A typed domain event. A public one has a stable ``type`` (``order.recorded``); an
    internal one (``type`` None) never leaves the process."""

    type: ClassVar[str | None] = None

    def data(self) -> dict[str, Any]:
        """What the outbox stores of a public event (see koc.events.catalog)."""
        raise NotImplementedError(f"{type(self).__name__} is not a public event")


Handler = Callable[[Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Subscription:
    """One handler of one event type; ``batch`` handlers take the list of the batch's events."""

    event: type[Event]
    handler: Handler
    batch: bool = False

    @property
    def name(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


class NotWired(RuntimeError):
    """An event was published before ``koc.wiring.connect_all()`` installed the handlers."""


_table: dict[type[Event], tuple[Subscription, ...]] | None = None
_installed: tuple[Subscription, ...] = ()


def install(subscriptions: Sequence[Subscription]) -> None:
    """Replace every handler with these, in this order. Only ``koc.wiring`` calls it (a test
    fails otherwise); installing the same list again changes nothing."""
    global _table, _installed
    table: dict[type[Event], list[Subscription]] = {}
    for sub in subscriptions:
        table.setdefault(sub.event, []).append(sub)
    _table = {event: tuple(subs) for event, subs in table.items()}
    _installed = tuple(subscriptions)


def installed() -> tuple[Subscription, ...]:
    """The handlers in force, in the order they run for their event."""
    return _installed


async def publish(event: Event) -> None:
    """Run the handlers of ``event``. Call inside the transaction of the change."""
    await publish_many([event])


T = TypeVar("T")
Flush = Callable[[list[Any]], Awaitable[Any]]

# What handlers left for the end of the outermost ``publish_many`` running in this task.
_deferred: ContextVar[dict[Flush, list[Any]] | None] = ContextVar("koc_deferred", default=None)


async def publish_many(events: Sequence[Event]) -> None:
    """Run the handlers of many events: per event type (in order of first appearance), a batch
    handler gets all the events of that type in one call, a plain handler one call per event.
    Then, in the outermost call, what the handlers deferred (``after_handlers``)."""
    if _table is None:
        raise NotWired("koc.wiring.connect_all() must run before any event is published")
    if _deferred.get() is not None:  # published by a handler: the outermost call flushes
        with batch_memo():
            await _run_handlers(_table, events)
        return
    deferred: dict[Flush, list[Any]] = {}
    token = _deferred.set(deferred)
    try:
        with batch_memo():  # handlers of this batch (and of the events they cause) share config
            await _run_handlers(_table, events)
            while deferred:
                flush = next(iter(deferred))
                await flush(deferred.pop(flush))
    finally:
        _deferred.reset(token)


async def after_handlers(flush: Callable[[list[T]], Awaitable[Any]], items: Sequence[T]) -> None:
    """``await flush(items)`` once every handler of the outermost ``publish_many`` running has
    run, in one call with the items every other handler gave the same ``flush``; at once when
    no ``publish_many`` runs. Still inside the transaction of the change.

    For a write that several events of one batch make to the same rows: an order's buyer and,
    through the conversion it causes, the referrer each change their discovery signals, read,
    rescored and written in one go instead of twice. Only for writes no later handler reads."""
    deferred = _deferred.get()
    if deferred is None:
        await flush(list(items))
    else:
        deferred.setdefault(flush, []).extend(items)


async def _run_handlers(
    table: dict[type[Event], tuple[Subscription, ...]], events: Sequence[Event]
) -> None:
    # Before the handlers, which may publish events caused by these (an order's conversion):
    # the outbox keeps cause before effect.
    await outbox.write(events)
    by_type: dict[type[Event], list[Event]] = {}
    for event in events:
        by_type.setdefault(type(event), []).append(event)
    for event_type, batch in by_type.items():
        for sub in table.get(event_type, ()):
            if sub.batch:
                await sub.handler(batch)
            else:
                for event in batch:
                    await sub.handler(event)
