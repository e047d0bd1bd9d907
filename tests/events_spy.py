"""Watch the events a change publishes: the wiring's handlers plus a recorder at the end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from koc.events import Event, Subscription
from koc.events.bus import install
from koc.wiring import SUBSCRIPTIONS, connect_all


@contextmanager
def published(event_type: type[Event]) -> Iterator[list[Event]]:
    """The events of ``event_type`` published inside the block, in order."""
    seen: list[Event] = []

    async def record(event: Event) -> None:
        seen.append(event)

    install([*SUBSCRIPTIONS, Subscription(event_type, record)])
    try:
        yield seen
    finally:
        connect_all()
