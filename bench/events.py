"""Benchmark: what events out cost an order, and how fast a committed event reaches a partner.

    python bench/events.py cost     [--members 2000] [--single 200] [--batches 3] [--rounds 5]
    python bench/events.py latency  [--rate 100] [--seconds 10]
    # either on PostgreSQL: --database-url postgres://postgres@127.0.0.1:5432/bench_events

``cost`` records orders through the service the API calls (``record_orders``: one order per
transaction, then batches of 500), in three modes run in turn each round, each on a fresh copy
of one seeded database, so the machine's drift touches every mode alike:
  off       events do not leave koc: the outbox write and the dispatch enqueue are replaced by
            no-ops in this process (what recording cost before the outbox)
  outbox    the outbox written, no webhook subscription (nothing else to do)
  webhooks  the outbox and an active subscription: each transaction also enqueues its
            ``webhooks.dispatch`` job
It prints the median orders/s of each mode and its ratio to ``off`` (target: at least 0.90).

``latency`` serves a local receiver, subscribes it, runs the worker in this process (the one
``koc serve`` embeds; on PostgreSQL the same engine ``koc worker`` runs) and records one order
every 1/rate s; for each it takes the time from the order's commit to the receiver reading the
delivery, and prints p50 / p95 / max (target: p95 under 1 s at 100 events/s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
from tortoise import Tortoise  # noqa: E402

from koc.auth.models import PartnerToken  # noqa: E402
from koc.cli import migrate_database  # noqa: E402
from koc.db import is_postgres, tortoise_config  # noqa: E402
from koc.events import EventType, outbox  # noqa: E402
from koc.events.bus import install  # noqa: E402
from koc.members.models import Member  # noqa: E402
from koc.members.services import first_stage_id  # noqa: E402
from koc.orders.services import MemberRef, OrderInput, record_orders  # noqa: E402
from koc.settings import Settings, get_settings  # noqa: E402
from koc.webhooks import dispatch  # noqa: E402
from koc.webhooks.models import WebhookSubscription  # noqa: E402
from koc.wiring import SUBSCRIPTIONS, connect_all  # noqa: E402

MODES = ("off", "outbox", "webhooks")
BATCH = 500


def _pg(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(_pg(url.rsplit("/", 1)[0] + "/postgres"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _seed(url: str, members: int) -> int:
    """Migrate and fill ``url`` with members and a partner token; returns the token's id."""
    await migrate_database(Settings(database_url=url))
    await Tortoise.init(config=tortoise_config(url))
    try:
        stage = await first_stage_id()
        await Member.bulk_create(
            [Member(nickname=f"m{i}", stage_id=stage) for i in range(members)], batch_size=1000
        )
        token = await PartnerToken.create(
            name="bench", prefix="bench", token_hash="x", scopes=["orders:write"]
        )
        return token.id
    finally:
        await Tortoise.close_connections()


class _Copies:
    """Fresh copies of one seeded database: a file copy (SQLite) or a template (PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url, self.n = url, 0
        self.pg = is_postgres(url)

    async def fresh(self) -> str:
        self.n += 1
        if self.pg:
            name = f"{self.url.rsplit('/', 1)[1]}_copy"
            await _admin(self.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            template = self.url.rsplit("/", 1)[1]
            await _admin(self.url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return self.url.rsplit("/", 1)[0] + "/" + name
        return f"sqlite://{_copy_file(self.url.removeprefix('sqlite://'), self.n)}"


def _copy_file(path: str, n: int) -> str:
    copy = f"{path}.copy{n % 2}"
    for suffix in ("", "-wal", "-shm"):
        Path(copy + suffix).unlink(missing_ok=True)
    shutil.copyfile(path, copy)
    return copy


def _orders(prefix: str, members: list[int], n: int) -> list[OrderInput]:
    now = datetime.now(UTC)
    return [
        OrderInput(
            external_id=f"{prefix}-{i}",
            member=MemberRef(member_id=members[i % len(members)]),
            amount_cents=1_000_00 + i,
            currency="CNY",
            category="vehicle",
            occurred_at=now,
        )
        for i in range(n)
    ]


async def _measure(
    url: str, partner: int, mode: str, single: int, batches: int
) -> tuple[float, float]:
    """Orders/s one at a time and in batches of 500, in ``mode``."""
    real_write = outbox.write

    async def nothing(*_: Any) -> None:
        return None

    if mode == "off":
        # As before the outbox: no row written, no dispatch handler wired.
        outbox.write = nothing  # type: ignore[assignment]
        install([s for s in SUBSCRIPTIONS if s.handler is not dispatch.on_public_events])
    await Tortoise.init(config=tortoise_config(url))
    try:
        if mode == "webhooks":
            await WebhookSubscription.create(url="https://crm.example/hook", secret="whsec_eA==")
        dispatch.subscribers_changed()
        members = list(await Member.all().order_by("id").values_list("id", flat=True))
        started = time.perf_counter()
        for order in _orders(f"{mode}-s", members, single):
            await record_orders(partner, [order], "bench")
        one = single / (time.perf_counter() - started)
        orders = _orders(f"{mode}-b", members[single:], batches * BATCH)
        started = time.perf_counter()
        for b in range(batches):
            await record_orders(partner, orders[b * BATCH : (b + 1) * BATCH], "bench")
        many = batches * BATCH / (time.perf_counter() - started)
        return one, many
    finally:
        await Tortoise.close_connections()
        outbox.write = real_write  # type: ignore[method-assign]
        connect_all()


async def cost(args: argparse.Namespace) -> None:
    url = args.database_url or f"sqlite://{tempfile.mkdtemp()}/events-cost.sqlite3"
    if is_postgres(url):
        name = url.rsplit("/", 1)[1]
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}_copy" WITH (FORCE)')
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin(url, f'CREATE DATABASE "{name}"')
    partner = await _seed(url, args.members)
    copies = _Copies(url)
    results: dict[str, list[tuple[float, float]]] = {m: [] for m in MODES}
    for r in range(args.rounds):
        for mode in MODES if r % 2 == 0 else reversed(MODES):
            results[mode].append(
                await _measure(await copies.fresh(), partner, mode, args.single, args.batches)
            )
    base = [statistics.median(x[k] for x in results["off"]) for k in (0, 1)]
    print(
        f"engine {'postgres' if copies.pg else 'sqlite'}, {args.members} members, "
        f"{args.rounds} rounds, {args.single} single orders + {args.batches}x{BATCH} per run"
    )
    print(f"{'mode':10} {'single/s':>10} {'ratio':>7} {'batch/s':>10} {'ratio':>7}")
    for mode in MODES:
        one, many = (statistics.median(x[k] for x in results[mode]) for k in (0, 1))
        print(f"{mode:10} {one:10.1f} {one / base[0]:7.3f} {many:10.1f} {many / base[1]:7.3f}")


class _Receiver:
    def __init__(self, expected: int) -> None:
        self.arrived: dict[str, float] = {}
        self.expected = expected
        self.done = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                order = json.loads(body)["data"]["order"]["externalId"]
                receiver.arrived.setdefault(order, time.time())
                if len(receiver.arrived) >= receiver.expected:
                    receiver.done.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"


async def _all_arrived(receiver: _Receiver) -> None:
    """Wait until every delivery arrived (the receiver's thread sets ``done``)."""
    await asyncio.to_thread(receiver.done.wait)


async def latency(args: argparse.Namespace) -> None:
    from koc.auth.models import StaffRole, StaffUser
    from koc.auth.viewer import StaffViewer
    from koc.webhooks.services import create_subscription
    from koc.worker.process import run_worker

    os.environ["KOC_WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "true"  # the worker's settings
    os.environ["KOC_WEBHOOK_ALLOW_HTTP"] = "true"
    get_settings.cache_clear()
    url = args.database_url or f"sqlite://{tempfile.mkdtemp()}/events-latency.sqlite3"
    if is_postgres(url):
        name = url.rsplit("/", 1)[1]
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin(url, f'CREATE DATABASE "{name}"')
    partner = await _seed(url, 1000)
    settings = Settings(
        database_url=url, webhook_allow_private_targets=True, webhook_allow_http=True
    )
    receiver = _Receiver(args.rate * args.seconds)
    await Tortoise.init(config=tortoise_config(url))
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop))
    try:
        staff = await StaffUser.create(
            username="bench", password_hash="!unusable", role=StaffRole.ADMIN
        )
        admin = StaffViewer(staff_id=staff.id, username="bench", role=StaffRole.ADMIN)
        await create_subscription(
            admin,
            settings,
            url=receiver.url,
            event_types=[EventType.ORDER_RECORDED],
            description="bench",
        )
        members = list(await Member.all().order_by("id").values_list("id", flat=True))
        committed: dict[str, float] = {}
        n = args.rate * args.seconds
        start = time.perf_counter()
        for i, order in enumerate(_orders("lat", members, n)):
            delay = start + i / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await record_orders(partner, [order], "bench")
            committed[order.external_id] = time.time()
        produced = n / (time.perf_counter() - start)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(60):
                await _all_arrived(receiver)
    finally:
        receiver.done.set()  # releases the waiting thread if the deliveries never all came
        stop.set()
        await worker
        await Tortoise.close_connections()
        receiver.server.shutdown()
    waits = sorted(receiver.arrived[k] - committed[k] for k in committed if k in receiver.arrived)
    q = statistics.quantiles(waits, n=100) if len(waits) > 1 else waits * 99
    print(
        f"engine {'postgres' if is_postgres(url) else 'sqlite'}: {n} orders at {produced:.0f}/s, "
        f"{len(waits)} delivered; commit to delivery p50 {q[49] * 1000:.0f} ms, "
        f"p95 {q[94] * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("cost", help="orders/s with and without the outbox, interleaved")
    c.add_argument("--members", type=int, default=2000)
    c.add_argument("--single", type=int, default=200)
    c.add_argument("--batches", type=int, default=3)
    c.add_argument("--rounds", type=int, default=5)
    c.add_argument("--database-url")
    lat = sub.add_parser("latency", help="commit-to-delivery latency at a steady rate")
    lat.add_argument("--rate", type=int, default=100)
    lat.add_argument("--seconds", type=int, default=10)
    lat.add_argument("--database-url")
    args = parser.parse_args()
    connect_all()
    runs: dict[str, Callable[[argparse.Namespace], Any]] = {"cost": cost, "latency": latency}
    asyncio.run(runs[args.what](args))


if __name__ == "__main__":
    main()
