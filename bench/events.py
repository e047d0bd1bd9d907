"""Benchmark: what events out cost an order, and how fast a committed event reaches a partner.

    python bench/events.py cost     [--members 2000] [--single 200] [--batches 3] [--rounds 5]
    python bench/events.py seed     --database-url URL [--members 2000]
    python bench/events.py record   --database-url URL --mode off|outbox|webhooks
    python bench/events.py latency  [--rate 100] [--seconds 10] [--workers 1]
    python bench/events.py deliver  --database-url PG [--events 1500] [--workers 1,2] [--wait-ms 20]
    python bench/events.py kill     --database-url PG [--events 600] [--wait-ms 20]
    # cost, seed, record and latency also on PostgreSQL:
    #   --database-url postgres://postgres@127.0.0.1:5432/bench_events

``cost`` records orders through the service the API calls (``record_orders``: one order per
transaction, then batches of 500), in three modes run in turn each round, each on a fresh copy
of one seeded database, so the machine's drift touches every mode alike:
  off       events do not leave koc: the outbox write and the dispatch enqueue are replaced by
            no-ops in this process (what recording cost before the outbox)
  outbox    the outbox written, no webhook subscription (nothing else to do)
  webhooks  the outbox and an active subscription: each transaction also enqueues its
            ``webhooks.dispatch`` job
It prints the median orders/s of each mode (wall clock and per CPU second) and its ratio to
``off`` (target: at least 0.90).

``seed`` and ``record`` are ``cost`` cut in two for a harness that times whole processes and
pairs them (A B A B ...): ``seed`` fills a database once; each ``record`` run records the same
orders on a fresh copy of it in one mode and prints one JSON line. Both print orders/s by the
wall clock and per CPU second of the process (on SQLite the database's work included): on a
machine shared with other work the CPU figure is the one that holds still.

``latency`` serves a local receiver, subscribes it and records one order every 1/rate s (each
in a task of its own, so a slow commit does not slow the rate); for each it takes the time from
the order's commit to the receiver reading the delivery, and prints p50 / p95 / max (target:
p95 under 1 s at 100 events/s). The deliveries run on ``--workers`` ``koc worker`` processes
(PostgreSQL), or with ``--workers 0`` on the worker in this process (the one ``koc serve``
embeds; SQLite).

``deliver`` measures webhook deliveries per second to a local receiver that answers after
``--wait-ms``: for each count of ``--workers`` (in turn, ``--rounds`` times, the order reversed
every other round) it starts that many ``koc worker`` processes, records ``--events`` orders
(batches of 500) and times the first to the last delivery read. Every event must arrive.

``kill`` records ``--events`` orders while one ``koc worker`` delivers them, kills it with
SIGKILL a third of the way, records another third while no worker runs, starts a new worker,
and waits for every event: it prints how many arrived, how many twice, and checks that none is
missing, that every second arrival repeats the ``webhook-id`` (and the body) of an earlier one,
and that every delivery ended SUCCEEDED.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
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
from tortoise.functions import Count  # noqa: E402

from koc.auth.models import PartnerToken  # noqa: E402
from koc.cli import migrate_database  # noqa: E402
from koc.db import is_postgres, tortoise_config  # noqa: E402
from koc.events import EventType, outbox  # noqa: E402
from koc.events.bus import install  # noqa: E402
from koc.events.models import OutboxEvent  # noqa: E402
from koc.members.models import Member  # noqa: E402
from koc.members.services import first_stage_id  # noqa: E402
from koc.orders.services import MemberRef, OrderInput, record_orders  # noqa: E402
from koc.settings import Settings, get_settings  # noqa: E402
from koc.tasks import register_all  # noqa: E402
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


class _Clock:
    """Wall and CPU seconds of a block. CPU is this process's, all threads: on SQLite that
    includes the database's own work (aiosqlite's thread), and on a machine shared with other
    work it barely moves while the wall time swings."""

    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


FIGURES = ("single/s", "batch/s", "single/cpu-s", "batch/cpu-s")


async def _measure(
    url: str, partner: int, mode: str, single: int, batches: int
) -> tuple[float, ...]:
    """Orders/s one at a time and in batches of 500, in ``mode``, by the wall clock and per
    CPU second of this process (``FIGURES``)."""
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
        with _Clock() as one:
            for order in _orders(f"{mode}-s", members, single):
                await record_orders(partner, [order], "bench")
        orders = _orders(f"{mode}-b", members[single:], batches * BATCH)
        with _Clock() as many:
            for b in range(batches):
                await record_orders(partner, orders[b * BATCH : (b + 1) * BATCH], "bench")
        n = batches * BATCH
        return single / one.wall, n / many.wall, single / one.cpu, n / many.cpu
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
    results: dict[str, list[tuple[float, ...]]] = {m: [] for m in MODES}
    for r in range(args.rounds):
        for mode in MODES if r % 2 == 0 else reversed(MODES):
            results[mode].append(
                await _measure(await copies.fresh(), partner, mode, args.single, args.batches)
            )
    print(
        f"engine {'postgres' if copies.pg else 'sqlite'}, {args.members} members, "
        f"{args.rounds} rounds, {args.single} single orders + {args.batches}x{BATCH} per run; "
        "medians, and their ratio to off"
    )
    print(f"{'mode':10}" + "".join(f" {f:>13} {'ratio':>6}" for f in FIGURES))
    base = [statistics.median(x[k] for x in results["off"]) for k in range(len(FIGURES))]
    for mode in MODES:
        figures = [statistics.median(x[k] for x in results[mode]) for k in range(len(FIGURES))]
        print(
            f"{mode:10}"
            + "".join(f" {f:13.1f} {f / b:6.3f}" for f, b in zip(figures, base, strict=True))
        )


async def seed(args: argparse.Namespace) -> None:
    """A seeded database for ``record`` runs (recreated)."""
    url = args.database_url
    if is_postgres(url):
        name = url.rsplit("/", 1)[1]
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}_copy" WITH (FORCE)')
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin(url, f'CREATE DATABASE "{name}"')
    else:
        await asyncio.to_thread(Path(url.removeprefix("sqlite://")).unlink, missing_ok=True)
    await _seed(url, args.members)
    print(f"seeded {url} with {args.members} members")


async def record(args: argparse.Namespace) -> None:
    """One mode on a fresh copy of the ``seed`` database: one JSON line."""
    url = await _Copies(args.database_url).fresh()
    await Tortoise.init(config=tortoise_config(url))
    try:
        partner = (await PartnerToken.get(name="bench")).id
    finally:
        await Tortoise.close_connections()
    figures = await _measure(url, partner, args.mode, args.single, args.batches)
    print(json.dumps({"mode": args.mode, **dict(zip(FIGURES, figures, strict=True))}))


class _Receiver:
    """A local webhook receiver that answers 204 after ``wait_ms``: every request it read, and
    the first arrival of each ``webhook-id``."""

    def __init__(self, wait_ms: int = 0) -> None:
        self.wait = wait_ms / 1000
        self.lock = threading.Lock()
        self.reset(0)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.1, as a partner's server speaks it: the connection stays open between
            # deliveries (HTTP/1.0, the default here, closes it after every answer).
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.read(self.headers["webhook-id"], body)
                if receiver.wait:
                    time.sleep(receiver.wait)
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self, expected: int, milestone: int = 0) -> None:
        self.expected, self.milestone = expected, milestone
        self.reached = threading.Event()
        self.hits: list[tuple[str, bytes]] = []
        self.first: dict[str, float] = {}
        self.by_order: dict[str, float] = {}
        self.done = threading.Event()

    def read(self, webhook_id: str, body: bytes) -> None:
        now = time.time()
        with self.lock:
            self.hits.append((webhook_id, body))
            if webhook_id not in self.first:
                self.first[webhook_id] = now
                order = json.loads(body)["data"].get("order") or {}
                self.by_order[order.get("externalId", webhook_id)] = now
            if len(self.first) >= self.milestone:
                self.reached.set()
            if len(self.first) >= self.expected:
                self.done.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    async def all_arrived(self, seconds: float) -> bool:
        """Wait until every expected event arrived once (False: not within ``seconds``)."""
        return await asyncio.to_thread(self.done.wait, seconds)


def _quantiles(waits: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(waits, n=100) if len(waits) > 1 else waits * 99
    return q[49], q[94]


def _worker_env(url: str, heartbeat: int = 30) -> dict[str, str]:
    """``koc worker``'s environment: this database, the local receiver allowed, the schedules
    off (the bench measures deliveries); ``KOC_WORKER_CONCURRENCY`` passed on when set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOC_")}
    if "KOC_WORKER_CONCURRENCY" in os.environ:
        env["KOC_WORKER_CONCURRENCY"] = os.environ["KOC_WORKER_CONCURRENCY"]
    env |= {
        "KOC_DATABASE_URL": url,
        "KOC_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "KOC_WEBHOOK_ALLOW_HTTP": "true",
        "KOC_WORKER_HEARTBEAT_SECONDS": str(heartbeat),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    for name in Settings.model_fields:
        if name.startswith("schedule_"):
            env[f"KOC_{name.upper()}"] = ""
    return env


def _start_worker(url: str, heartbeat: int = 30) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "koc.cli", "worker"],
        env=_worker_env(url, heartbeat),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` used so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        if p.poll() is None:
            p.terminate()
    for p in processes:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


async def _subscribed_world(url: str, receiver: _Receiver, members: int = 1000) -> int:
    """A new database with members, a partner token and a subscription of ``receiver`` to
    ``order.recorded``; returns the token's id. Tortoise is left open on it."""
    from koc.auth.models import StaffRole, StaffUser
    from koc.auth.viewer import StaffViewer
    from koc.webhooks.services import create_subscription

    if is_postgres(url):
        name = url.rsplit("/", 1)[1]
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin(url, f'CREATE DATABASE "{name}"')
    partner = await _seed(url, members)
    await Tortoise.init(config=tortoise_config(url))
    settings = Settings(
        database_url=url, webhook_allow_private_targets=True, webhook_allow_http=True
    )
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
    return partner


async def _record_batches(partner: int, prefix: str, n: int) -> None:
    members = list(await Member.all().order_by("id").values_list("id", flat=True))
    orders = _orders(prefix, members, n)
    for start in range(0, n, BATCH):
        await record_orders(partner, orders[start : start + BATCH], "bench")


async def latency(args: argparse.Namespace) -> None:
    from koc.worker.process import run_worker

    os.environ["KOC_WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "true"  # the in-process worker's settings
    os.environ["KOC_WEBHOOK_ALLOW_HTTP"] = "true"
    get_settings.cache_clear()
    url = args.database_url or f"sqlite://{tempfile.mkdtemp()}/events-latency.sqlite3"
    n = args.rate * args.seconds
    receiver = _Receiver()
    receiver.reset(n)
    partner = await _subscribed_world(url, receiver)
    stop = asyncio.Event()
    processes = [_start_worker(url) for _ in range(args.workers)]
    worker = None
    if not processes:
        worker = asyncio.create_task(run_worker(get_settings(), stop))
    try:
        await asyncio.sleep(args.startup if processes else 1)
        idle_cpu = sum(_cpu_seconds(p.pid) for p in processes)
        members = list(await Member.all().order_by("id").values_list("id", flat=True))
        committed: dict[str, float] = {}

        async def commit(orders: list[OrderInput]) -> None:
            await record_orders(partner, orders, "bench")
            done = time.time()
            committed.update((order.external_id, done) for order in orders)

        # --per-commit orders share a transaction, as the orders of a partner's batch do: the
        # rate is of events, and one Python producer cannot commit 100 converting orders a
        # second one by one on this machine (its limit, not the delivery pipeline's).
        orders = _orders("lat", members, n)
        k = args.per_commit
        tasks = []
        start = time.perf_counter()
        for i in range(0, n, k):
            delay = start + i / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(commit(orders[i : i + k])))
        await asyncio.gather(*tasks)
        produced = n / (time.perf_counter() - start)
        await receiver.all_arrived(120)
        stages = await _stages(committed, receiver.by_order)
        cpu = sum(_cpu_seconds(p.pid) for p in processes) - idle_cpu
    finally:
        receiver.done.set()
        stop.set()
        if worker is not None:
            await worker
        _stop(processes)
        await Tortoise.close_connections()
        receiver.server.shutdown()
    arrived = receiver.by_order
    waits = sorted(arrived[k] - committed[k] for k in committed if k in arrived)
    p50, p95 = _quantiles(waits)
    where = f"{args.workers} koc worker process(es)" if processes else "the worker in-process"
    print(
        f"engine {'postgres' if is_postgres(url) else 'sqlite'}, {where}: {n} orders at "
        f"{produced:.0f}/s, {len(waits)} delivered; commit to delivery p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {waits[-1] * 1000:.0f} ms"
    )
    print("  where the time went, p50 / p95 ms: " + stages)
    if processes:
        print(f"  worker CPU {cpu * 1000 / max(len(waits), 1):.1f} ms per delivery")


async def _stages(committed: dict[str, float], arrived: dict[str, float]) -> str:
    """The commit-to-delivery time cut at the delivery row's creation (the dispatch) and at the
    first attempt's start (the queue), from the first attempt of each delivered order."""
    from koc.webhooks.models import WebhookAttempt

    rows = (
        await WebhookAttempt.filter(manual=False)
        .order_by("id")
        .values_list("delivery_id", "attempted_at", "delivery__created_at", "delivery__event__data")
    )
    cuts: dict[str, list[float]] = {"dispatch": [], "queue": [], "send": []}
    seen: set[int] = set()
    for delivery_id, attempted_at, created_at, data in rows:
        key = (data.get("order") or {}).get("externalId")
        if delivery_id in seen or key not in committed or key not in arrived:
            continue
        seen.add(delivery_id)
        cuts["dispatch"].append(created_at.timestamp() - committed[key])
        cuts["queue"].append(attempted_at.timestamp() - created_at.timestamp())
        cuts["send"].append(arrived[key] - attempted_at.timestamp())
    return ", ".join(
        f"{name} {' / '.join(f'{q * 1000:.0f}' for q in _quantiles(sorted(v)))}"
        for name, v in cuts.items()
        if v
    )


async def deliver(args: argparse.Namespace) -> None:
    receiver = _Receiver(args.wait_ms)
    partner = await _subscribed_world(args.database_url, receiver)
    counts = [int(w) for w in args.workers.split(",")]
    results: dict[int, list[float]] = {w: [] for w in counts}
    try:
        for r in range(args.rounds):
            for workers in counts if r % 2 == 0 else reversed(counts):
                receiver.reset(args.events)
                processes = [_start_worker(args.database_url) for _ in range(workers)]
                try:
                    await asyncio.sleep(args.startup)  # every process up before the first event
                    await _record_batches(partner, f"d{r}w{workers}", args.events)
                    assert await receiver.all_arrived(600), "not every event arrived"
                finally:
                    _stop(processes)
                times = sorted(receiver.first.values())
                results[workers].append(args.events / (times[-1] - times[0]))
    finally:
        await Tortoise.close_connections()
        receiver.server.shutdown()
    base = statistics.median(results[counts[0]])
    print(
        f"postgres: {args.events} order.recorded deliveries per run, receiver waits "
        f"{args.wait_ms} ms, {args.rounds} rounds; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'workers':>7} {'deliveries/s (median)':>22} {'ratio':>6}  each run")
    for workers in counts:
        runs = results[workers]
        each = " ".join(f"{x:.0f}" for x in runs)
        print(
            f"{workers:7} {statistics.median(runs):22.1f} {statistics.median(runs) / base:6.2f}  {each}"
        )


async def kill(args: argparse.Namespace) -> None:
    from koc.webhooks.models import DeliveryStatus, WebhookDelivery

    receiver = _Receiver(args.wait_ms)
    url = args.database_url
    partner = await _subscribed_world(url, receiver)
    third = args.events // 3
    receiver.reset(args.events, milestone=third)
    heartbeat = 2  # a dead worker's jobs run again this soon
    first = _start_worker(url, heartbeat)
    processes = [first]
    try:
        await asyncio.sleep(args.startup)
        await _record_batches(partner, "k1", args.events - third)
        assert await asyncio.to_thread(receiver.reached.wait, 300), "no delivery arrived"
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        killed_at = len(receiver.first)
        await _record_batches(partner, "k2", third)  # committed while no worker runs
        processes.append(_start_worker(url, heartbeat))
        arrived = await receiver.all_arrived(300)
        expected = {
            f"evt_{i}"
            for i in await OutboxEvent.filter(type=EventType.ORDER_RECORDED).values_list(
                "id", flat=True
            )
        }
        # The receiver reads a delivery a moment before the worker records it SUCCEEDED.
        for _ in range(120):
            if not await WebhookDelivery.filter(status=DeliveryStatus.PENDING).exists():
                break
            await asyncio.sleep(0.5)
        statuses = dict(
            await WebhookDelivery.annotate(n=Count("id"))
            .group_by("status")
            .values_list("status", "n")
        )
    finally:
        _stop(processes)
        await Tortoise.close_connections()
        receiver.server.shutdown()
    bodies: dict[str, bytes] = {}
    mismatched = 0
    for webhook_id, body in receiver.hits:
        mismatched += bodies.setdefault(webhook_id, body) != body
    missing = expected - set(receiver.first)
    print(
        f"postgres: {args.events} events, worker killed (SIGKILL) after {killed_at} had arrived; "
        f"{len(receiver.first)} distinct arrived, {len(receiver.hits) - len(receiver.first)} "
        f"arrived again (same webhook-id), {mismatched} repeats with another body, "
        f"{len(missing)} missing; deliveries by status { ({str(k): v for k, v in statuses.items()}) }"
    )
    assert arrived and not missing, f"lost: {sorted(missing)[:10]}"
    assert mismatched == 0, "a repeat must be the same event"
    assert statuses == {DeliveryStatus.SUCCEEDED: args.events}, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("cost", help="orders/s with and without the outbox, interleaved")
    c.add_argument("--members", type=int, default=2000)
    c.add_argument("--single", type=int, default=200)
    c.add_argument("--batches", type=int, default=3)
    c.add_argument("--rounds", type=int, default=5)
    c.add_argument("--database-url")
    sd = sub.add_parser("seed", help="a seeded database for record runs")
    sd.add_argument("--members", type=int, default=2000)
    sd.add_argument("--database-url", required=True)
    rec = sub.add_parser("record", help="orders/s of one mode on a fresh copy (one JSON line)")
    rec.add_argument("--mode", choices=MODES, required=True)
    rec.add_argument("--single", type=int, default=200)
    rec.add_argument("--batches", type=int, default=3)
    rec.add_argument("--database-url", required=True)
    lat = sub.add_parser("latency", help="commit-to-delivery latency at a steady rate")
    lat.add_argument("--rate", type=int, default=100)
    lat.add_argument("--per-commit", type=int, default=1, help="orders per transaction (default 1)")
    lat.add_argument("--seconds", type=int, default=10)
    lat.add_argument("--workers", type=int, default=0, help="koc worker processes (0: in-process)")
    lat.add_argument("--startup", type=float, default=10.0, help="seconds for workers to start")
    lat.add_argument("--database-url")
    d = sub.add_parser("deliver", help="webhook deliveries/s with 1 and 2 koc worker processes")
    d.add_argument("--events", type=int, default=1500)
    d.add_argument("--workers", default="1,2")
    d.add_argument("--wait-ms", type=int, default=20)
    d.add_argument("--rounds", type=int, default=2)
    d.add_argument("--startup", type=float, default=10.0, help="seconds for workers to start")
    d.add_argument("--database-url", required=True)
    k = sub.add_parser("kill", help="SIGKILL a worker mid-delivery: nothing lost")
    k.add_argument("--events", type=int, default=600)
    k.add_argument("--wait-ms", type=int, default=20)
    k.add_argument("--startup", type=float, default=10.0, help="seconds for workers to start")
    k.add_argument("--database-url", required=True)
    args = parser.parse_args()
    if args.what in ("deliver", "kill") and not is_postgres(args.database_url):
        parser.error("--database-url postgres://... (koc worker processes need PostgreSQL)")
    connect_all()
    register_all()  # the webhooks tasks a transaction enqueues
    runs: dict[str, Callable[[argparse.Namespace], Any]] = {
        "cost": cost,
        "seed": seed,
        "record": record,
        "latency": latency,
        "deliver": deliver,
        "kill": kill,
    }
    asyncio.run(runs[args.what](args))


if __name__ == "__main__":
    main()
