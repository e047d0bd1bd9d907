"""A worker keeps its connection to a receiver between deliveries; a request outside a worker
(a redelivery asked for through the API) opens and closes its own."""

from __future__ import annotations

import asyncio

from koc.settings import Settings
from koc.webhooks.sender import kept_connections, send
from koc.webhooks.targets import resolve_target
from tests.fakes.webhook_receiver import WebhookReceiver


async def _send_twice(receiver: WebhookReceiver, settings: Settings) -> None:
    for n in range(2):
        target = await resolve_target(receiver.url, settings)  # checked before every request
        outcome = await send(target, {"webhook-id": f"evt_{n}"}, b"{}", settings)
        assert outcome.ok


async def test_a_worker_sends_one_after_another_over_one_connection(
    receiver: WebhookReceiver, local_settings: Settings
):
    # given a worker's kept connections
    async with kept_connections() as kept:
        # when two deliveries go to the same receiver one after the other
        await _send_twice(receiver, local_settings)
        # then both went over one connection, held by one client
        assert len(kept.clients) == 1
    assert len({request.peer for request in receiver.received}) == 1
    # and the connections are closed with the worker
    assert kept.clients == {}


async def test_outside_a_worker_every_request_has_its_own_connection(
    receiver: WebhookReceiver, local_settings: Settings
):
    # when two requests are sent with no worker around them
    await _send_twice(receiver, local_settings)
    # then each had a connection of its own
    assert len({request.peer for request in receiver.received}) == 2


async def test_past_its_limit_a_worker_closes_the_client_used_longest_ago(
    receiver: WebhookReceiver, local_settings: Settings, monkeypatch
):
    # given a worker that keeps one receiver's connections at most
    monkeypatch.setattr("koc.webhooks.sender.MAX_KEPT_CLIENTS", 1)
    other = WebhookReceiver().start()
    try:
        async with kept_connections() as kept:
            await _send_twice(receiver, local_settings)
            (first,) = kept.clients.values()
            # when a delivery goes to another receiver
            await _send_twice(other, local_settings)
            # then the first receiver's client is closed and only the other one is kept
            await asyncio.gather(*kept.closing)
            assert first.is_closed
            assert len(kept.clients) == 1 and first not in kept.clients.values()
    finally:
        other.stop()
    assert len(other.received) == 2
