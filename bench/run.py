"""Run the koc benchmark against seeded databases and write the figures to bench/results/.

    python bench/run.py --members 10000                   # seeds var/bench-10000.sqlite3 if missing
    python bench/run.py --members 10000,100000,1000000    # each size in turn, then the scale table
    python bench/run.py --members 10000,100000 \
        --database-url 'postgres://postgres@127.0.0.1:5432/bench_{members}'

Measures, in one run per size: the mini-program home query on koc (uvicorn, 1 worker) and on
the hand-written floor (bench/handwritten.py) at 1 and 16 connections; SQL statements of every
list query at first:10 and first:100; partner order ingestion as single requests and in batches,
and on PostgreSQL with 1 and with 2 koc workers; kocCandidates, referralReport and surveyResults
latencies; the koc server's RSS during the load. Then one scale table per engine lines up the
sizes measured. All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphql import (  # noqa: E402
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
)

from bench import seed as seeding  # noqa: E402
from bench.load import fetch_once, http_request, run_load  # noqa: E402
from bench.queries import HOME_QUERY  # noqa: E402
from bench.referees import Referee, make_fresh_referees  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SECRET = secrets.token_urlsafe(32)


# --- servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KOC_DATABASE_URL=database_url,
        KOC_ENV="production",
        KOC_JWT_SECRET=SECRET,
        KOC_GRAPHIQL="false",
        # One client sends everything here: the per-caller rate limit would measure itself.
        KOC_RATE_LIMIT_CAPACITY="100000000",
        KOC_RATE_LIMIT_REFILL_PER_SECOND="100000000",
        KOC_EXECUTION_TIMEOUT_SECONDS="60",
        PYTHONPATH=str(ROOT),
    )
    return env


# With --pin-load: the processors the servers (and their workers) may run on; this process,
# the load generator, keeps the one it was given.
SERVER_CPUS: set[int] | None = None


def _pin_server() -> None:
    if SERVER_CPUS:
        os.sched_setaffinity(0, SERVER_CPUS)


@contextmanager
def serve(app: str, database_url: str, workers: int = 1):  # type: ignore[no-untyped-def]
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", app, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    command += ["--no-access-log"]
    process = subprocess.Popen(
        command, env=server_env(database_url), cwd=ROOT, preexec_fn=_pin_server
    )
    try:
        deadline = time.time() + 180  # start-up on a loaded machine can take a minute
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{app} did not start") from None
                time.sleep(0.2)
        yield process, port
    finally:
        process.terminate()
        process.wait(timeout=30)


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn workers), from /proc."""
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def process_tree(pid: int) -> list[int]:
    """A process and its children (uvicorn's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid]
    with suppress(OSError):
        pids += [int(p) for p in children.read_text().split()]
    return pids


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a server (the process and its workers) used so far, from
    /proc: on a shared machine CPU per request stays steady when throughput does not."""
    ticks = 0
    for p in process_tree(pid):
        with suppress(OSError):
            # after the command name in parentheses: state is field 3, utime 14, stime 15
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


async def sample_rss(pid: int, samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(rss_mb(pid))
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.25)


def graphql_request(
    port: int, token: str, query: str, variables: dict[str, Any] | None = None
) -> bytes:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return http_request("POST", "/graphql", f"127.0.0.1:{port}", headers, body)


async def call(port: int, request: bytes) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    status, body = await fetch_once(port, request)
    elapsed = (time.perf_counter() - start) * 1000
    data = json.loads(body)
    if status != 200 or data.get("errors"):
        raise RuntimeError(f"{status}: {body[:500]!r}")
    return elapsed, data


# --- operations built from the schema -----------------------------------------------------------


def selection(schema: GraphQLSchema, type_: Any, depth: int, lists: bool = True) -> str:
    """Every field without required arguments: leaves, and objects down to ``depth`` (nested
    lists of objects too unless ``lists`` is false)."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    parts = []
    for name, f in named.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in f.args.values()):
            continue
        inner = get_named_type(f.type)
        if is_leaf_type(inner):
            parts.append(name)
        elif depth > 0 and isinstance(inner, GraphQLObjectType):
            if not lists and isinstance(getattr(f.type, "of_type", f.type), GraphQLList):
                continue
            sub = selection(schema, inner, depth - 1, lists)
            if sub:
                parts.append(f"{name} {sub}")
    return "{ " + " ".join(parts) + " }" if parts else ""


def list_queries(schema: GraphQLSchema) -> dict[str, str]:
    """Root connection fields with only optional arguments: ``name(first: $first) {...}``."""
    found = {}
    for name, f in schema.query_type.fields.items():
        named = get_named_type(f.type)
        if not named.name.endswith("Connection") or "first" not in f.args:
            continue
        if any(isinstance(a.type, GraphQLNonNull) for a in f.args.values()):
            continue
        node = get_named_type(named.fields["edges"].type).fields["node"].type
        if "after" not in f.args:
            continue
        found[name] = (
            f"query($first: Int, $after: String) {{ {name}(first: $first, after: $after) "
            f"{{ totalCount pageInfo {{ endCursor }} "
            f"edges {{ node {selection(schema, node, 1, lists=False)} }} }} }}"
        )
    return found


# --- measurements ------------------------------------------------------------------------------


async def prepare(database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Tokens, ids and fresh referees the run needs, made in-process on the seeded database:
    each ingestion run (one client, then each worker count) gets referees of its own."""
    from tortoise import Tortoise

    from koc.auth.models import PartnerScope, StaffUser
    from koc.auth.services import create_partner_token, issue_member_tokens, issue_staff_tokens
    from koc.db import APPS, tortoise_config
    from koc.settings import Settings

    settings = Settings(database_url=database_url, jwt_secret=SECRET, env="production")
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        member_id = 1
        if "referrals" in APPS:
            from tortoise.functions import Count

            from koc.referrals.models import Referral

            top = (
                await Referral.all()
                .group_by("referrer_id")
                .annotate(n=Count("id"))
                .order_by("-n", "referrer_id")
                .limit(1)
                .values_list("referrer_id", flat=True)
            )
            member_id = top[0] if top else 1
        staff = await StaffUser.get(username=seeding.BENCH_STAFF)
        _, partner_secret = await create_partner_token(
            f"bench-{secrets.token_hex(3)}", [PartnerScope.ORDERS_WRITE], None, actor=None
        )
        survey_id = None
        if "surveys" in APPS:
            from koc.surveys.models import Survey

            survey = await Survey.all().order_by("id").first()
            survey_id = survey.id if survey else None
        from koc.members.models import Member

        members = await Member.all().count()
        window = settings.referral_attribution_window_days
        runs = [1] + [args.ingest_connections] * len(args.ingest_workers)
        pools = [
            await make_fresh_referees(ingest_orders_needed(args.ingest_orders, c), window)
            for c in runs
        ]
        return {
            "member_id": member_id,
            "member_token": (await issue_member_tokens(settings, member_id)).access_token,
            "staff_token": (await issue_staff_tokens(settings, staff)).access_token,
            "partner_token": partner_secret,
            "survey_id": survey_id,
            "members": members,
            "pools": pools,
        }
    finally:
        await Tortoise.close_connections()


async def home_load(
    ctx: dict[str, Any], database_url: str, args: argparse.Namespace
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    pools = ctx["pools"]
    with (
        serve("koc.app:create_app", database_url) as (koc_proc, koc_port),
        serve("bench.handwritten:create_app", database_url) as (floor_proc, floor_port),
    ):
        koc_req = graphql_request(koc_port, ctx["member_token"], HOME_QUERY)
        floor_req = http_request(
            "GET",
            "/home",
            f"127.0.0.1:{floor_port}",
            {"Authorization": f"Bearer {ctx['member_token']}"},
            b"",
        )
        _, koc_body = await call(koc_port, koc_req)
        _, floor_body = await call(floor_port, floor_req)
        results["same_json"] = koc_body == floor_body
        if not results["same_json"]:
            print("warning: koc and the hand-written endpoint answer differently", file=sys.stderr)
            results["koc_json"], results["handwritten_json"] = koc_body, floor_body
        results["home_json_bytes"] = len(json.dumps(koc_body))
        results["rss_idle_mb"] = rss_mb(koc_proc.pid)
        rss: list[float] = []
        for conns in args.connections:
            for name, proc, port, req in (
                ("koc", koc_proc, koc_port, koc_req),
                ("handwritten", floor_proc, floor_port, floor_req),
            ):
                await run_load(port, req, conns, min(1.0, args.duration), 500)  # warm-up
                stop = asyncio.Event()
                sampler = (
                    asyncio.create_task(sample_rss(koc_proc.pid, rss, stop))
                    if name == "koc"
                    else None
                )
                cpu = cpu_seconds(proc.pid)
                outcome = await run_load(port, req, conns, args.duration, args.max_requests)
                cpu = cpu_seconds(proc.pid) - cpu
                stop.set()
                if sampler:
                    await sampler
                summary = outcome.summary()
                summary["cpu_ms_per_req"] = round(1000 * cpu / max(1, outcome.requests), 3)
                results[f"{name}_c{conns}"] = summary
                print(f"  home {name:<12} c={conns:<3} {summary}", flush=True)
            koc_rps = results[f"koc_c{conns}"]["rps"]
            floor_rps = results[f"handwritten_c{conns}"]["rps"]
            results[f"ratio_c{conns}"] = round(koc_rps / floor_rps, 3) if floor_rps else None
            floor_cpu = results[f"handwritten_c{conns}"]["cpu_ms_per_req"]
            results[f"cpu_ratio_c{conns}"] = (
                round(floor_cpu / results[f"koc_c{conns}"]["cpu_ms_per_req"], 3)
                if results[f"koc_c{conns}"]["cpu_ms_per_req"]
                else None
            )
        results["rss_max_mb"] = max(rss) if rss else None
        results["timed"] = await timed_operations(ctx, koc_port, koc_proc.pid, args)
        results["home_beside_reports"] = await home_beside_reports(
            ctx, koc_port, koc_req, args.report_connections, args.duration
        )
        results["ingestion"] = await ingest(
            koc_port, koc_proc.pid, ctx["partner_token"], pools[0], args.ingest_orders, 1
        )
        print(f"  ingestion {results['ingestion']}", flush=True)
    results["ingestion_workers"], results["home_workers"] = await ingestion_by_workers(
        ctx, database_url, pools[1:], args
    )
    return results


def report_operations(ctx: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The staff reports the run times: name -> (query, variables)."""
    from koc.graphql.schema import schema as strawberry_schema

    schema = strawberry_schema._schema
    fields = schema.query_type.fields
    ops: dict[str, tuple[str, dict[str, Any]]] = {}
    if "kocCandidates" in fields:
        node = get_named_type(get_named_type(fields["kocCandidates"].type).fields["edges"].type)
        ops["kocCandidates(first: 50)"] = (
            "query { kocCandidates(first: 50) { totalCount edges { node "
            f"{selection(schema, node.fields['node'].type, 1)} }} }} }}",
            {},
        )
    if "referralReport" in fields:
        report = selection(schema, fields["referralReport"].type, 2)
        query = (
            "query($from: DateTime!, $to: DateTime!, $g: ReferralGroupBy!) { "
            f'referralReport(from: $from, to: $to, groupBy: $g, currency: "CNY") {report} }}'
        )
        end = seeding.NOW
        for group in ("MONTH", "REFERRER"):
            ops[f"referralReport(year, {group})"] = (
                query,
                {
                    "from": (end - timedelta(days=365)).isoformat(),
                    "to": end.isoformat(),
                    "g": group,
                },
            )
    if "surveyResults" in fields and ctx["survey_id"]:
        from strawberry.relay import to_base64

        sel = selection(schema, fields["surveyResults"].type, 3)
        ops["surveyResults"] = (
            f"query($id: ID!) {{ surveyResults(surveyId: $id) {sel} }}",
            {"id": to_base64("Survey", ctx["survey_id"])},
        )
    return ops


async def timed_operations(
    ctx: dict[str, Any], port: int, pid: int, args: argparse.Namespace
) -> dict[str, Any]:
    timed: dict[str, Any] = {}
    for name, (query, variables) in report_operations(ctx).items():
        req = graphql_request(port, ctx["staff_token"], query, variables)
        samples = []
        deadline = time.perf_counter() + args.duration
        cpu = cpu_seconds(pid)
        try:
            for _ in range(args.timed_repeats):
                elapsed, _ = await call(port, req)
                samples.append(elapsed)
                if time.perf_counter() > deadline:
                    break
        except RuntimeError as exc:
            timed[name] = {"error": str(exc)[:300]}
            print(f"  {name:<32} ERROR {exc}", flush=True)
            continue
        cpu = cpu_seconds(pid) - cpu
        samples.sort()
        timed[name] = {
            "runs": len(samples),
            "cpu_ms": round(1000 * cpu / len(samples), 1),
            "p50_ms": round(samples[len(samples) // 2], 1),
            "p95_ms": round(samples[min(len(samples) - 1, int(0.95 * len(samples)))], 1),
            "max_ms": round(samples[-1], 1),
        }
        print(f"  {name:<32} {timed[name]}", flush=True)
    return timed


async def home_beside_reports(
    ctx: dict[str, Any], port: int, home: bytes, connections: int, duration: float
) -> dict[str, Any]:
    """The home query at ``connections`` connections, alone and then while one staff client
    runs the reports back to back: a report must not stop the other requests of the worker."""
    out: dict[str, Any] = {}
    out["alone"] = (await run_load(port, home, connections, duration, 10**6)).summary()
    requests = [
        graphql_request(port, ctx["staff_token"], query, variables)
        for query, variables in report_operations(ctx).values()
    ]
    stop = asyncio.Event()
    reports = 0

    async def staff() -> None:
        nonlocal reports
        while not stop.is_set():
            for req in requests:
                await call(port, req)
                reports += 1

    looping = asyncio.create_task(staff())
    await asyncio.sleep(0.2)  # the first report is under way
    outcome = await run_load(port, home, connections, duration, 10**6)
    stop.set()
    await looping
    out["with_reports"] = outcome.summary() | {"reports": reports}
    print(f"  home c={connections} beside reports {out}", flush=True)
    return out


ORDER_RECORD = (
    """mutation($i: OrderRecordInput!) { orderRecord(input: $i) { replayed errors { code } } }"""
)
ORDERS_RECORD = """mutation($i: OrdersRecordInput!) { ordersRecord(input: $i) {
  recorded failed errors { code } } }"""


def order_item(run: str, n: int, referee: Referee) -> dict[str, Any]:
    unionid, occurred_at = referee
    return {
        "externalId": f"bench-{run}-{n}",
        "member": {"unionid": unionid},
        "amountCents": 500_000 + n % 1000,
        "currency": "CNY",
        "category": "accessory",
        "occurredAt": occurred_at,
    }


BATCH_FACTOR = 4  # batches carry four times the single orders


def ingest_orders_needed(orders: int, connections: int) -> int:
    """Referees one ingestion run meets: its warm-up orders, the single orders, the batches."""
    return 2 * connections + orders + BATCH_FACTOR * orders


async def ingest(
    port: int,
    pid: int,
    token: str,
    pool: list[Referee],
    orders: int,
    connections: int,
) -> dict[str, Any]:
    """``orders`` orders one per ``orderRecord`` call, then four times as many through
    ``ordersRecord`` in batches of up to 500, each spread over ``connections`` concurrent
    clients. Every order goes to a referee of its own from ``pool`` (fresh: it converts), and
    the koc server's CPU (process ``pid`` and its workers, from /proc) is read around each."""
    from koc.graphql.schema import schema as strawberry_schema

    run = secrets.token_hex(3)
    out: dict[str, Any] = {}
    latencies: list[float] = []
    warm, singles_from = 2 * connections, 2 * connections
    batch_from = singles_from + orders

    async def singles(client: int) -> None:
        for n in range(client, orders, connections):
            item = order_item(run, n, pool[singles_from + n])
            elapsed, _ = await call(port, graphql_request(port, token, ORDER_RECORD, {"i": item}))
            latencies.append(elapsed)

    async def warm_up(client: int) -> None:
        # Every worker process parses the mutations and opens its connections once; a fresh
        # server would charge that to the first timed orders.
        for k in range(2):
            n = 2 * client + k
            item = order_item(f"{run}-w", n, pool[n])
            await call(port, graphql_request(port, token, ORDER_RECORD, {"i": item}))

    await asyncio.gather(*(warm_up(c) for c in range(connections)))
    assert len(pool) >= warm + orders * (1 + BATCH_FACTOR)
    cpu = cpu_seconds(pid)
    start = time.perf_counter()
    await asyncio.gather(*(singles(c) for c in range(connections)))
    seconds = time.perf_counter() - start
    cpu = cpu_seconds(pid) - cpu
    latencies.sort()
    out["single"] = {
        "orders": orders,
        "connections": connections,
        "orders_per_s": round(orders / seconds, 1),
        "p50_ms": round(latencies[len(latencies) // 2], 2),
        "cpu_ms_per_order": round(1000 * cpu / orders, 2),
    }
    if "ordersRecord" not in strawberry_schema._schema.mutation_type.fields:
        return out
    size = min(500, orders * BATCH_FACTOR)
    batches = max(1, orders * BATCH_FACTOR // size)
    recorded = 0

    async def batched(client: int) -> None:
        nonlocal recorded
        for b in range(client, batches, connections):
            first = orders + b * size  # after the single orders, so each order is new
            items = [
                order_item(run, first + k, pool[batch_from + b * size + k]) for k in range(size)
            ]
            _, body = await call(
                port, graphql_request(port, token, ORDERS_RECORD, {"i": {"orders": items}})
            )
            recorded += body["data"]["ordersRecord"]["recorded"]

    cpu = cpu_seconds(pid)
    start = time.perf_counter()
    await asyncio.gather(*(batched(c) for c in range(connections)))
    seconds = time.perf_counter() - start
    cpu = cpu_seconds(pid) - cpu
    out["batch"] = {
        "orders": recorded,
        "batch_size": size,
        "connections": connections,
        "orders_per_s": round(recorded / seconds, 1),
        "cpu_ms_per_order": round(1000 * cpu / max(1, recorded), 3),
    }
    return out


async def ingestion_by_workers(
    ctx: dict[str, Any],
    database_url: str,
    pools: list[list[Referee]],
    args: argparse.Namespace,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The same ingestion against koc with each worker count, from concurrent clients (one
    client cannot keep two workers busy), and the home query at the largest ``--connections``
    against the same server."""
    out: dict[str, Any] = {}
    homes: dict[str, Any] = {}
    conns = max(args.connections)
    for workers, pool in zip(args.ingest_workers, pools, strict=True):
        with serve("koc.app:create_app", database_url, workers=workers) as (proc, port):
            home = graphql_request(port, ctx["member_token"], HOME_QUERY)
            await run_load(port, home, conns, min(1.0, args.duration), 500)  # warm-up
            cpu = cpu_seconds(proc.pid)
            outcome = await run_load(port, home, conns, args.duration, args.max_requests)
            cpu = cpu_seconds(proc.pid) - cpu
            result = await ingest(
                port,
                proc.pid,
                ctx["partner_token"],
                pool,
                args.ingest_orders,
                args.ingest_connections,
            )
            homes[str(workers)] = outcome.summary() | {
                "cpu_ms_per_req": round(1000 * cpu / max(1, outcome.requests), 3)
            }
            print(f"  home workers={workers} {homes[str(workers)]}", flush=True)
        out[str(workers)] = result
        print(f"  ingestion workers={workers} {result}", flush=True)
    return out, homes


PLACEHOLDERS = re.compile(r"\((?:\?|\$\d+)(?:\s*,\s*(?:\?|\$\d+))*\)")


def statement_shapes(statements: list[str]) -> Counter[str]:
    """How often each statement ran, its ``IN (?, ?, ...)`` lists made one: the same loader
    for ten rows or a hundred is the same shape."""
    return Counter(PLACEHOLDERS.sub("(?)", s.partition(": ")[0]) for s in statements)


async def page_statements(
    client: Any, headers: dict[str, str], name: str, query: str
) -> dict[str, Any]:
    """Statements of ``first: 100`` against the ten ``first: 10`` pages that cover the same
    rows. Some loaders run only for some kinds of rows (an active KOC's roles), so the small
    pages need, together, each statement as often as the page that needed it most
    (``first10``). A ``first: 100`` that runs any statement more often than that is an N+1;
    one that differs only because its rows are of more kinds is not."""
    from tests.sqlcount import count_statements

    async def page(first: int, after: str | None) -> tuple[Counter[str], dict[str, Any]]:
        with count_statements() as counter:
            response = await client.post(
                "/graphql",
                json={"query": query, "variables": {"first": first, "after": after}},
                headers=headers,
            )
        body = response.json()
        if body.get("errors"):
            raise RuntimeError(body["errors"][0]["message"][:120])
        return statement_shapes(counter.statements), (body.get("data") or {}).get(name) or {}

    # The small pages first: a read that writes once (a KOC's referral code made when first
    # shown) then writes in them, and the big page meets the same state as they did.
    try:
        small: Counter[str] = Counter()
        after = None
        for _ in range(10):
            shapes, connection = await page(10, after)
            small |= shapes  # the most of each shape any one page ran
            after = connection["pageInfo"]["endCursor"]
            if after is None or len(connection.get("edges") or []) < 10:
                break
        big, connection = await page(100, None)
        rows = len(connection.get("edges") or [])
    except RuntimeError as exc:
        return {"error": str(exc), "constant": None}
    repeated = sorted(shape[:80] for shape, n in big.items() if n > small[shape])
    return {
        "first10": sum(small.values()),
        "first100": sum(big.values()),
        "rows100": rows,
        "constant": not repeated,
        "repeated": repeated,
    }


async def statement_counts(database_url: str, ctx: dict[str, Any]) -> dict[str, Any]:
    """SQL statements of every root list query at first:100 and over the same rows in pages
    of ten (``page_statements``), in-process."""
    import httpx
    from tortoise import Tortoise

    from koc.app import create_app
    from koc.graphql.schema import schema as strawberry_schema
    from koc.settings import Settings

    settings = Settings(
        database_url=database_url,
        jwt_secret=SECRET,
        env="production",
        rate_limit_capacity=10**8,
        rate_limit_refill_per_second=10**8,
    )
    app = create_app(settings)
    counts: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            headers = {"Authorization": f"Bearer {ctx['staff_token']}"}
            for name, query in sorted(list_queries(strawberry_schema._schema).items()):
                counts[name] = await page_statements(client, headers, name, query)
    await Tortoise.close_connections()
    return counts


# --- report ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def markdown(report: dict[str, Any]) -> str:
    h = report["home"]
    lines = [
        f"## koc benchmark: {report['members']:,} members, {report['engine']} ({report['date']})",
        "",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
        f"Python {report['machine']['python']}. Load generator on the same machine.",
        "",
        "### Home query (`me`), koc vs hand-written Starlette",
        "",
        "| connections | koc req/s | koc p50 ms | koc p99 ms | koc CPU ms/req | floor req/s "
        "| floor p50 ms | floor p99 ms | floor CPU ms/req | koc / floor | koc / floor by CPU |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in report["connections"]:
        k, f = h[f"koc_c{c}"], h[f"handwritten_c{c}"]
        by_cpu = h.get(f"cpu_ratio_c{c}")
        lines.append(
            f"| {c} | {k['rps']} | {k['p50_ms']} | {k['p99_ms']} | {k.get('cpu_ms_per_req', '-')} "
            f"| {f['rps']} | {f['p50_ms']} | {f['p99_ms']} | {f.get('cpu_ms_per_req', '-')} "
            f"| {h[f'ratio_c{c}']:.0%} | {f'{by_cpu:.0%}' if by_cpu else '-'} |"
        )
    lines += [
        "",
        f"Same JSON from both: {h['same_json']}. koc RSS: {h['rss_idle_mb']} MB idle, "
        f"{h['rss_max_mb']} MB max under load.",
        "",
        "### Ingestion (partner orders, with referral attribution)",
        "",
        "Every order goes to a referee of its own whose first order it is (it converts).",
        "",
        "| koc workers | mode | client connections | orders | orders/s | koc CPU ms/order |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    runs = [("1", h["ingestion"])] + list(h.get("ingestion_workers", {}).items())
    for workers, result in runs:
        for mode, row in result.items():
            lines.append(
                f"| {workers} | {mode} | {row.get('connections', 1)} | {row['orders']} | "
                f"{row['orders_per_s']} | {row.get('cpu_ms_per_order', '-')} |"
            )
    home_workers = h.get("home_workers")
    if home_workers:
        lines += [
            "",
            "### Home query by workers",
            "",
            "| workers | connections | req/s | p50 ms | p99 ms | CPU ms per request |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for workers, row in home_workers.items():
            lines.append(
                f"| {workers} | {row['connections']} | {row['rps']} | {row['p50_ms']} | "
                f"{row['p99_ms']} | {row['cpu_ms_per_req']} |"
            )
    beside = h.get("home_beside_reports")
    if beside:
        alone, busy = beside["alone"], beside["with_reports"]
        lines += [
            "",
            f"### Home query beside reports ({alone['connections']} connections)",
            "",
            "The home query alone, then while one staff client runs the reports below back to "
            "back.",
            "",
            "| home query | req/s | p50 ms | p99 ms | reports run meanwhile |",
            "|---|---:|---:|---:|---:|",
            f"| alone | {alone['rps']} | {alone['p50_ms']} | {alone['p99_ms']} | - |",
            f"| beside reports | {busy['rps']} | {busy['p50_ms']} | {busy['p99_ms']} "
            f"| {busy['reports']} |",
        ]
    lines += ["", "### Reports (staff)", ""]
    lines.append("| operation | runs | p50 ms | p95 ms | max ms | koc CPU ms/run |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for name, row in h["timed"].items():
        if "error" in row:
            lines.append(f"| {name} | error: {row['error'][:160]} | | | | |")
            continue
        lines.append(
            f"| {name} | {row['runs']} | {row['p50_ms']} | {row['p95_ms']} | {row['max_ms']} "
            f"| {row.get('cpu_ms', '-')} |"
        )
    lines += [
        "",
        "### SQL statements per list query",
        "",
        "first:100 against the ten first:10 pages over the same rows: first:10 counts each "
        "statement as often as the page that ran it most. *constant* is no when first:100 ran "
        "a statement more often than any small page did (an N+1).",
        "",
        "| query | first:10 pages | first:100 | rows at 100 | constant |",
    ]
    lines.append("|---|---:|---:|---:|---|")
    for name, row in report["statements"].items():
        if "error" in row:
            lines.append(f"| {name} | - | - | - | error: {row['error']} |")
        else:
            lines.append(
                f"| {name} | {row['first10']} | {row['first100']} | {row['rows100']} | "
                f"{'yes' if row['constant'] else '**no**'} |"
            )
    return "\n".join(lines) + "\n"


async def postgres_state(url: str, reseed: bool) -> str:
    """``seeded`` or ``empty`` for a PostgreSQL benchmark database, created when missing
    (dropped first with ``reseed``)."""
    import asyncpg

    dsn = url.replace("asyncpg://", "postgres://", 1)
    server, _, name = dsn.rpartition("/")
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        if reseed:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
            return "empty"
    finally:
        await admin.close()
    conn = await asyncpg.connect(dsn)
    try:
        if await conn.fetchval("SELECT to_regclass('member')") is None:
            return "empty"
        return "seeded" if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM member)") else "empty"
    finally:
        await conn.close()


def seed_if_needed(url: str, members: int, reseed: bool) -> None:
    if seeding.is_postgres(url):
        needed = asyncio.run(postgres_state(url, reseed)) == "empty"
    else:
        needed = reseed or not Path(url.removeprefix("sqlite://")).exists()
    if needed:
        print(f"seeding {members:,} members into {url.split('@')[-1]}", flush=True)
        seed_args = ["--members", str(members), "--database-url", url]
        if subprocess.call([sys.executable, str(ROOT / "bench" / "seed.py"), *seed_args], cwd=ROOT):
            raise SystemExit("seeding failed")


async def main_async(url: str, args: argparse.Namespace) -> dict[str, Any]:
    ctx = await prepare(url, args)
    print(f"bench member {ctx['member_id']} of {ctx['members']:,}", flush=True)
    statements = await statement_counts(url, ctx)
    home = await home_load(ctx, url, args)
    return {
        "members": ctx["members"],
        "engine": engine(url),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "connections": args.connections,
        "duration_s": args.duration,
        "home": home,
        "statements": statements,
    }


def engine(url: str) -> str:
    return "postgresql" if seeding.is_postgres(url) else "sqlite"


# --- the scale table: the same figures at every size measured ---------------------------------


def _cell(row: dict[str, Any] | None, key: str) -> str:
    if not row:
        return "-"
    if "error" in row:
        return "error"
    return str(row.get(key, "-"))


def scale_markdown(reports: list[dict[str, Any]]) -> str:
    """One line per size from the per-size reports, smallest first."""
    first = reports[0]
    workers = sorted({w for r in reports for w in r["home"].get("ingestion_workers", {})}, key=int)
    lines = [
        f"## koc at scale: {first['engine']}",
        "",
        f"Machine: {first['machine']['cpu']}, {first['machine']['cores']} cores, Python "
        f"{first['machine']['python']}; load generator on the same machine. One line per "
        "size, each from its own run (date shown); per-size details in "
        f"`{first['engine']}-<members>.md`.",
        "",
        "| members | run | home req/s c1 | p50 ms c1 | p99 ms c1 | CPU ms/req c1 | koc / floor c1 "
        "| home req/s c16 | p99 ms c16 | RSS max MB | kocCandidates p95 ms "
        "| referralReport month p95 ms | referralReport referrer p95 ms | surveyResults p95 ms "
        "| home p99 ms beside reports | ingest single/s | ingest batch/s |"
        + "".join(
            f" {mode}/s {w} worker{'s' if w != '1' else ''} |"
            for w in workers
            for mode in ("single", "batch")
        ),
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        + "---:|" * 2 * len(workers),
    ]
    for r in reports:
        h = r["home"]
        c1, c16 = h.get("koc_c1") or {}, h.get("koc_c16") or {}
        timed = h.get("timed", {})
        ratio = h.get("ratio_c1")
        by_workers = h.get("ingestion_workers", {})
        cells = [
            f"{r['members']:,}",
            r["date"],
            str(c1.get("rps", "-")),
            str(c1.get("p50_ms", "-")),
            str(c1.get("p99_ms", "-")),
            str(c1.get("cpu_ms_per_req", "-")),
            f"{ratio:.0%}" if ratio is not None else "-",
            str(c16.get("rps", "-")),
            str(c16.get("p99_ms", "-")),
            str(h.get("rss_max_mb", "-")),
            _cell(timed.get("kocCandidates(first: 50)"), "p95_ms"),
            _cell(timed.get("referralReport(year, MONTH)"), "p95_ms"),
            _cell(timed.get("referralReport(year, REFERRER)"), "p95_ms"),
            _cell(timed.get("surveyResults"), "p95_ms"),
            _cell((h.get("home_beside_reports") or {}).get("with_reports"), "p99_ms"),
            _cell(h["ingestion"].get("single"), "orders_per_s"),
            _cell(h["ingestion"].get("batch"), "orders_per_s"),
        ]
        cells += [
            _cell(by_workers.get(w, {}).get(mode), "orders_per_s")
            for w in workers
            for mode in ("single", "batch")
        ]
        lines.append("| " + " | ".join(cells) + " |")
    connections = {
        row.get("connections")
        for r in reports
        for result in r["home"].get("ingestion_workers", {}).values()
        for row in result.values()
    }
    if workers:
        lines += [
            "",
            "Worker columns: the ingestion again against koc started with that many uvicorn "
            f"workers, from {', '.join(str(c) for c in sorted(connections))} concurrent clients "
            "(the columns before them: 1 worker, 1 client).",
        ]
    return "\n".join(lines) + "\n"


def write_scale(out: Path, engine_name: str) -> str:
    """The scale table of every ``<engine>-<members>.json`` in ``out``, written next to them."""
    reports = []
    for path in out.glob(f"{engine_name}-*.json"):
        if path.stem.removeprefix(f"{engine_name}-").isdigit():
            reports.append(json.loads(path.read_text()))
    reports.sort(key=lambda r: r["members"])
    text = scale_markdown(reports)
    (out / f"scale-{engine_name}.md").write_text(text)
    (out / f"scale-{engine_name}.json").write_text(
        json.dumps(reports, indent=2, default=str) + "\n"
    )
    return text


README = ROOT / "bench" / "README.md"
LATEST_BEGIN, LATEST_END = "<!-- latest figures: begin -->", "<!-- latest figures: end -->"


def update_readme(tables: list[str]) -> None:
    """Put the latest scale tables between the README's markers."""
    text = README.read_text()
    if LATEST_BEGIN not in text or LATEST_END not in text:
        return
    head, rest = text.split(LATEST_BEGIN, 1)
    _, tail = rest.split(LATEST_END, 1)
    body = "\n".join(t.replace("## ", "### ", 1) for t in tables)
    README.write_text(f"{head}{LATEST_BEGIN}\n{body}{LATEST_END}{tail}")


def sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--members",
        type=sizes,
        default=[10_000],
        help="one size, or several run in sequence: 10000,100000,1000000",
    )
    parser.add_argument(
        "--database-url",
        help="default sqlite://./var/bench-{members}.sqlite3; {members} is replaced by the size",
    )
    parser.add_argument("--reseed", action="store_true", help="seed again even if seeded")
    parser.add_argument(
        "--connections", type=lambda s: [int(c) for c in s.split(",")], default=[1, 16]
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per load step")
    parser.add_argument("--max-requests", type=int, default=50_000, help="cap per load step")
    parser.add_argument("--ingest-orders", type=int, default=500, help="single-request orders")
    parser.add_argument(
        "--ingest-workers",
        type=lambda s: [int(c) for c in s.split(",")],
        default=None,
        help="koc worker counts to compare ingestion with (default 1,2 on PostgreSQL, none "
        "on SQLite: one writer at a time)",
    )
    parser.add_argument(
        "--ingest-connections", type=int, default=4, help="clients in the workers comparison"
    )
    parser.add_argument("--timed-repeats", type=int, default=20, help="runs per report query")
    parser.add_argument(
        "--report-connections",
        type=int,
        default=8,
        help="home query connections while staff run the reports in a loop",
    )
    parser.add_argument(
        "--pin-load",
        type=int,
        default=None,
        metavar="CPU",
        help="run the load generator (this process) on processor CPU and the servers on the "
        "others (taskset-style affinity)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.pin_load is not None:
        global SERVER_CPUS
        SERVER_CPUS = os.sched_getaffinity(0) - {args.pin_load}
        if not SERVER_CPUS:
            parser.error("--pin-load needs a processor left for the servers")
        os.sched_setaffinity(0, {args.pin_load})
    template = args.database_url or seeding.DEFAULT_URL
    if len(args.members) > 1 and "{members}" not in template:
        parser.error("several sizes need {members} in --database-url (one database each)")
    if args.ingest_workers is None:
        args.ingest_workers = [1, 2] if seeding.is_postgres(template) else []
    args.out.mkdir(parents=True, exist_ok=True)
    for members in args.members:
        url = template.replace("{members}", str(members))
        seed_if_needed(url, members, args.reseed)
        report = asyncio.run(main_async(url, args))
        stem = f"{report['engine']}-{report['members']}"
        (args.out / f"{stem}.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
        (args.out / f"{stem}.md").write_text(markdown(report))
        print(markdown(report))
    scale = write_scale(args.out, engine(template))
    print(scale)
    if args.out.resolve() == RESULTS.resolve():
        update_readme(
            [
                write_scale(RESULTS, e)
                for e in ("sqlite", "postgresql")
                if any(RESULTS.glob(f"{e}-*.json"))
            ]
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
