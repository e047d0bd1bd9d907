"""Sending one signed request to a checked target, over connections a worker keeps open.

A slow or hostile receiver cannot hold a worker: connect and read timeouts, one wall-clock
deadline over the whole request, redirects not followed, and at most
``KOC_WEBHOOK_MAX_RESPONSE_BYTES`` of the response read (and kept in the log).

Why a worker keeps connections (``kept_connections``, held open for a worker's life): a new
client and a new TCP (and TLS) connection per attempt were most of what an attempt cost, and a
busy subscription gets many deliveries a second. What keeping them must not weaken: the target
is still resolved and checked before every request (koc.webhooks.targets), and the request
still goes to the checked address. Clients are keyed by scheme, host name, port *and* checked
address, so a kept connection is only ever reused for the address that was just checked again,
and a TLS connection only for the host name its certificate was verified for (two host names
on one address get two clients, never each other's connection).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from koc.settings import Settings
from koc.webhooks.targets import Target

# Clients one worker keeps at most (one per receiver address); past it, the least recently
# used is closed, so an address a receiver moved away from does not keep its sockets open.
MAX_KEPT_CLIENTS = 256


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    body: str
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _pinned(target: Target) -> tuple[str, str]:
    """The URL with its host replaced by the checked address, and the Host header."""
    parts = urlsplit(target.url)
    address = f"[{target.address}]" if ":" in target.address else target.address
    netloc = f"{address}:{target.port}"
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=netloc)), host


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context per process, shared by every attempt: building one loads the CA bundle,
    about 90 ms of CPU, which was most of what an attempt cost (bench/events.py deliver)."""
    return httpx.create_ssl_context()


def _new_client() -> httpx.AsyncClient:
    # Timeouts and redirects are given per request (send): the settings are the caller's.
    return httpx.AsyncClient(follow_redirects=False, trust_env=False, verify=tls_context())


class KeptClients:
    """The clients of one worker, one per (scheme, host, port, checked address), the most
    recently used last."""

    def __init__(self) -> None:
        self.clients: OrderedDict[tuple[str, str, int, str], httpx.AsyncClient] = OrderedDict()
        self.closing: set[asyncio.Task[None]] = set()

    def for_target(self, target: Target) -> httpx.AsyncClient:
        key = (urlsplit(target.url).scheme, target.host, target.port, target.address)
        client = self.clients.get(key)
        if client is not None:
            self.clients.move_to_end(key)
            return client
        if len(self.clients) >= MAX_KEPT_CLIENTS:
            # Least recently used: after 255 other receivers' requests, none of its own is
            # still in flight; one that were would fail and be retried with its webhook-id.
            _, oldest = self.clients.popitem(last=False)
            closing = asyncio.get_running_loop().create_task(oldest.aclose())
            self.closing.add(closing)
            closing.add_done_callback(self.closing.discard)
        client = self.clients[key] = _new_client()
        return client

    async def aclose(self) -> None:
        clients, self.clients = list(self.clients.values()), OrderedDict()
        await asyncio.gather(*(c.aclose() for c in clients), *self.closing, return_exceptions=True)


_kept: ContextVar[KeptClients | None] = ContextVar("webhook_kept_clients", default=None)


@asynccontextmanager
async def kept_connections() -> AsyncIterator[KeptClients]:
    """Keep receivers' connections open for the tasks run inside this block (a worker's life,
    koc.worker.registry.worker_resource); they are all closed when it ends. Outside it (a
    redelivery asked for through the API) every request opens and closes its own."""
    clients = KeptClients()
    token = _kept.set(clients)
    try:
        yield clients
    finally:
        _kept.reset(token)
        await clients.aclose()


@asynccontextmanager
async def _client(target: Target) -> AsyncIterator[httpx.AsyncClient]:
    kept = _kept.get()
    if kept is not None:
        yield kept.for_target(target)
        return
    async with _new_client() as client:
        yield client


async def send(target: Target, headers: dict[str, str], body: bytes, settings: Settings) -> Outcome:
    """POST ``body`` to the target, reading at most the response's first bytes."""
    timeout = httpx.Timeout(
        connect=settings.webhook_connect_timeout_seconds,
        read=settings.webhook_read_timeout_seconds,
        write=settings.webhook_read_timeout_seconds,
        pool=settings.webhook_connect_timeout_seconds,
    )
    deadline = settings.webhook_connect_timeout_seconds + 2 * settings.webhook_read_timeout_seconds
    url, host = _pinned(target)
    extensions = {"sni_hostname": target.host} if url.startswith("https:") else {}
    started = time.perf_counter()
    cap = settings.webhook_max_response_bytes
    try:
        async with (
            asyncio.timeout(deadline),
            _client(target) as client,
            client.stream(
                "POST",
                url,
                content=body,
                headers={**headers, "host": host},
                extensions=extensions,
                timeout=timeout,
                follow_redirects=False,
            ) as response,
        ):
            kept = bytearray()
            async for chunk in response.aiter_raw():
                kept += chunk
                if len(kept) >= cap:
                    break
            text = bytes(kept[:cap]).decode("utf-8", "replace")
            return Outcome(response.status_code, _ms(started), text, None)
    except TimeoutError:
        return Outcome(None, _ms(started), "", f"No answer within {deadline:g} s.")
    except httpx.TimeoutException as exc:
        return Outcome(None, _ms(started), "", f"Timed out ({type(exc).__name__}).")
    except httpx.HTTPError as exc:
        return Outcome(None, _ms(started), "", f"{type(exc).__name__}: {exc}"[:500])


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
