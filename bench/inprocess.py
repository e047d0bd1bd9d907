"""One kind of request, many times, straight into koc's ASGI app in this process: CPU per
request without a server, a socket or a load generator, for profiles and for comparing two
trees as whole processes (the same command with another ``PYTHONPATH``).

    python bench/inprocess.py --members 10000 --op home -n 2000
    python bench/inprocess.py --members 10000 --op order -n 300 --profile /tmp/order.prof
    python bench/inprocess.py --members 10000 --op members -n 50 --statements

Operations: ``home`` (the mini-program home query, as a member), ``members`` (staff
``members(first: 100)`` with every scalar and one level of objects), ``order`` (single
converting ``orderRecord`` calls, each to a fresh referee; ``--concurrency`` clients at once), ``batch`` (``ordersRecord`` of
500 fresh referees), ``home-beside-reports`` (the home query from ``--concurrency`` clients while
a staff client runs the bench's reports in a loop: its p50 / p99 show how long a report holds
the event loop), ``reports`` (each of the bench's reports ``-n`` times, alone: its wall and CPU
time and the longest the event loop went without a turn while it ran). It prints the wall and CPU time per request of the timed loop (after a
warm-up) and, with ``--statements``, the SQL statements of one request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import seed as seeding  # noqa: E402
from bench.queries import HOME_QUERY  # noqa: E402


class App:
    """koc's ASGI app called directly: a POST /graphql and its JSON answer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def post(self, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables}).encode()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"bench"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"authorization", f"Bearer {token}".encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        sent = False
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        data = json.loads(b"".join(chunks))
        if data.get("errors"):
            raise RuntimeError(str(data["errors"])[:500])
        return data


def members_query() -> str:
    from bench.run import list_queries
    from koc.graphql.schema import schema

    return list_queries(schema._schema)["members"]


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    from bench.referees import make_fresh_referees
    from bench.run import ORDER_RECORD, ORDERS_RECORD, SECRET, order_item, prepare
    from koc.app import create_app
    from koc.settings import Settings

    url = args.database_url.replace("{members}", str(args.members))
    prepare_args = argparse.Namespace(ingest_orders=0, ingest_connections=1, ingest_workers=[])
    ctx = await prepare(url, prepare_args)
    settings = Settings(
        database_url=url,
        jwt_secret=SECRET,
        env="production",
        graphiql=False,
        rate_limit_capacity=10**8,
        rate_limit_refill_per_second=10**8,
        execution_timeout_seconds=60,
        # the staff page of every scalar and one level of objects is estimated past the
        # default 50,000 since Member gained fields
        max_query_cost=10**6,
    )
    # KOC_REPORT_PROCESSES, from the environment (a tree before them has none)
    args.report_processes = getattr(settings, "report_processes", None)
    app = create_app(settings)
    client = App(app)
    run = secrets.token_hex(3)
    async with app.router.lifespan_context(app):
        if args.op in ("order", "batch"):
            per = 500 if args.op == "batch" else 1
            pool = await make_fresh_referees(
                per * (args.n + args.warmup + 1), settings.referral_attribution_window_days
            )

        def request(i: int) -> tuple[str, str, dict[str, Any]]:
            if args.op in ("home", "home-beside-reports", "reports"):
                return ctx["member_token"], HOME_QUERY, {}
            if args.op == "members":
                return ctx["staff_token"], members_query(), {"first": 100}
            if args.op == "order":
                return ctx["partner_token"], ORDER_RECORD, {"i": order_item(run, i, pool[i])}
            items = [order_item(run, i * 500 + k, pool[i * 500 + k]) for k in range(500)]
            return ctx["partner_token"], ORDERS_RECORD, {"i": {"orders": items}}

        for i in range(args.warmup):
            await client.post(*request(i))
        if args.statements:
            from tests.sqlcount import count_statements

            with count_statements() as counter:
                await client.post(*request(args.warmup))
            print(f"statements: {counter.count}")
            for s in counter.statements:
                print("  ", s[:200])
            args.warmup += 1
        if args.op == "home-beside-reports":
            return await beside_reports(client, ctx, args)
        if args.op == "reports":
            return await report_stalls(client, ctx, args)
        requests = [request(args.warmup + i) for i in range(args.n)]
        profiler = None
        if args.profile:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
            profiler.enable()

        async def stream(k: int) -> None:
            for r in requests[k :: args.concurrency]:
                await client.post(*r)

        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(stream(k) for k in range(args.concurrency)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
    return {
        "op": args.op,
        "n": args.n,
        "concurrency": args.concurrency,
        "wall_ms_per_request": round(1000 * wall / args.n, 3),
        "cpu_ms_per_request": round(1000 * cpu / args.n, 3),
        "per_second": round(args.n / wall, 1),
    }


async def beside_reports(
    client: App, ctx: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """``--concurrency`` clients sending the home query (``-n`` in all), alone and then while
    one staff client runs the bench's reports back to back: the home query's latencies beside
    the reports, against alone, show how long a report holds the event loop."""
    from bench.run import report_operations

    reports = list(report_operations(ctx).values())

    async def home(each: int) -> tuple[list[float], float, float, float]:
        latencies: list[float] = []

        async def member(count: int) -> None:
            for _ in range(count):
                start = time.perf_counter()
                await client.post(ctx["member_token"], HOME_QUERY, {})
                latencies.append(1000 * (time.perf_counter() - start))

        wall, cpu, children = time.perf_counter(), time.process_time(), children_cpu()
        await asyncio.gather(*(member(each) for _ in range(args.concurrency)))
        latencies.sort()
        return (
            latencies,
            time.perf_counter() - wall,
            time.process_time() - cpu,
            children_cpu() - children,
        )

    def summary(
        latencies: list[float], wall: float, cpu: float, children: float
    ) -> dict[str, float]:
        return {
            "per_second": round(len(latencies) / wall, 1),
            # the whole process's (every thread's), over the wall time of the phase
            "cpu_share": round(cpu / wall, 2),
            # the report processes' (KOC_REPORT_PROCESSES), likewise
            "report_processes_cpu_share": round(children / wall, 2),
            "p50_ms": round(latencies[len(latencies) // 2], 1),
            "p99_ms": round(latencies[int(0.99 * len(latencies))], 1),
            "max_ms": round(latencies[-1], 1),
        }

    # Each report once first: what runs them (the report thread's connection, or a report
    # process, started on the first report) is running before anything is timed.
    for query, variables in reports:
        await client.post(ctx["staff_token"], query, variables)
    alone = summary(*await home(args.n // args.concurrency))
    stop = asyncio.Event()
    ran = 0

    async def staff() -> None:
        nonlocal ran
        while not stop.is_set():
            for query, variables in reports:
                await client.post(ctx["staff_token"], query, variables)
                ran += 1

    looping = asyncio.create_task(staff())
    await asyncio.sleep(0.05)
    beside = summary(*await home(args.n // args.concurrency))
    stop.set()
    await looping
    return {
        "op": args.op,
        "n": args.n,
        "concurrency": args.concurrency,
        "report_processes": args.report_processes,
        "reports_run": ran,
        "home_alone": alone,
        "home_beside_reports": beside,
    }


async def report_stalls(
    client: App, ctx: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """Each of the bench's reports ``-n`` times, one at a time, while a 1 ms timer ticks on the
    loop: the median wall and CPU ms of a report and the longest gap between two ticks, which
    is how long the report kept every other request of the process waiting at once."""
    from bench.run import report_operations

    done = asyncio.Event()
    last = time.perf_counter()
    longest = 0.0

    async def ticker() -> None:
        nonlocal last, longest
        while not done.is_set():
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            longest, last = max(longest, now - last), now

    timer = asyncio.create_task(ticker())
    out: dict[str, Any] = {"op": args.op, "n": args.n, "report_processes": args.report_processes}
    for name, (query, variables) in report_operations(ctx).items():
        walls, cpus, stalls = [], [], []
        for _ in range(args.n):
            await asyncio.sleep(0.002)
            longest, last = 0.0, time.perf_counter()
            cpu, wall = time.process_time() + children_cpu(), time.perf_counter()
            await client.post(ctx["staff_token"], query, variables)
            walls.append(1000 * (time.perf_counter() - wall))
            # this process's and its report processes' (children_cpu counts in 10 ms ticks)
            cpus.append(1000 * (time.process_time() + children_cpu() - cpu))
            stalls.append(1000 * max(longest, time.perf_counter() - last))
        out[name] = {
            "wall_ms": round(sorted(walls)[len(walls) // 2], 1),
            "cpu_ms": round(sorted(cpus)[len(cpus) // 2], 1),
            "longest_loop_stall_ms": round(sorted(stalls)[len(stalls) // 2], 1),
        }
    done.set()
    await timer
    return out


def children_cpu() -> float:
    """CPU seconds used so far by this process's children: its report processes."""
    from bench.run import cpu_seconds, process_tree

    return sum(cpu_seconds(child) for child in process_tree(os.getpid())[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--database-url", default=seeding.DEFAULT_URL)
    parser.add_argument(
        "--op",
        choices=("home", "members", "order", "batch", "home-beside-reports", "reports"),
        default="home",
    )
    parser.add_argument("-n", type=int, default=500, help="timed requests")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--concurrency", type=int, default=1, help="clients sending the timed requests at once"
    )
    parser.add_argument("--statements", action="store_true", help="list one request's SQL")
    parser.add_argument("--profile", help="write a cProfile of the timed loop to this file")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(main_async(args))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
