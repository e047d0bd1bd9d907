"""Prometheus metrics at ``/metrics`` (prometheus-client), off unless ``KOC_METRICS_TOKEN`` is set.

Adding a metric is one line in the block below, then ``.inc()`` / ``.observe()`` / ``.set()``
where it happens. With several uvicorn workers ``koc serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder before the workers start: each worker writes its
values there and a scrape, whichever worker answers it, reads them all (prometheus-client's
multiprocess mode). A gauge then needs a ``multiprocess_mode`` saying how workers add up.
"""

from __future__ import annotations

import asyncio
import hmac
import os
from collections.abc import Sequence
from contextlib import suppress

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise.connection import connections

from koc.asyncpg_engine import PoolKeepingClient
from koc.sqlite import ServerSqliteClient

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# --- the metrics ----------------------------------------------------------------------------
GRAPHQL_REQUESTS = Counter(
    "koc_graphql_requests_total",
    "GraphQL requests by operation (its root fields), caller kind and result code.",
    ["operation", "caller", "result"],
)
GRAPHQL_LATENCY = Histogram(
    "koc_graphql_request_duration_seconds",
    "Time to answer a GraphQL request, by operation (its root fields).",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
GRAPHQL_ERRORS = Counter(
    "koc_graphql_errors_total", "Top-level GraphQL errors by extensions.code.", ["code"]
)
RATE_LIMIT_REFUSALS = Counter(
    "koc_rate_limit_refusals_total", "Requests refused as RATE_LIMITED, by caller kind.", ["caller"]
)
DB_POOL_CONNECTIONS = Gauge(
    "koc_db_pool_connections",
    "Database connections of all workers: open (size) and in use.",
    ["state"],
    multiprocess_mode="livesum",
)
# --------------------------------------------------------------------------------------------

POOL_SAMPLE_SECONDS = 5.0


def observe_graphql(
    operation: str, caller: str, result: str, codes: Sequence[str], duration: float
) -> None:
    """Count one answered GraphQL request (called by koc.access.RequestContext)."""
    GRAPHQL_REQUESTS.labels(operation, caller, result).inc()
    GRAPHQL_LATENCY.labels(operation).observe(duration)
    for code in codes:
        GRAPHQL_ERRORS.labels(code).inc()
    if "RATE_LIMITED" in codes:
        RATE_LIMIT_REFUSALS.labels(caller).inc()


def pool_use() -> tuple[int, int]:
    """(open connections, connections in use) of this worker's database client."""
    client = connections.get("default")
    if isinstance(client, PoolKeepingClient):
        pool = client.pool
        return (pool.get_size(), pool.get_size() - pool.get_idle_size()) if pool else (0, 0)
    # SQLite: one connection, in use while a statement or transaction holds it.
    return 1, int(isinstance(client, ServerSqliteClient) and client.in_use)


async def sample_pool_forever() -> None:
    """Keep the pool gauges of this worker current (run by the app's lifespan)."""
    while True:
        with suppress(Exception):  # a closed or missing connection reads as no pool
            size, in_use = pool_use()
            DB_POOL_CONNECTIONS.labels("size").set(size)
            DB_POOL_CONNECTIONS.labels("in_use").set(in_use)
        await asyncio.sleep(POOL_SAMPLE_SECONDS)


def worker_exited() -> None:
    """Drop this worker's gauge values from the shared folder (multiprocess mode)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())


def _exposition() -> bytes:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


async def metrics_endpoint(request: Request) -> Response:
    """``GET /metrics`` for a scraper presenting ``Authorization: Bearer $KOC_METRICS_TOKEN``."""
    token = request.app.state.settings.metrics_token
    presented = request.headers.get("authorization", "").encode()
    if not hmac.compare_digest(presented, f"Bearer {token}".encode()):
        return JSONResponse(
            {"error": "Send Authorization: Bearer <KOC_METRICS_TOKEN>."},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    # Multiprocess mode reads a file per worker: off the event loop.
    return Response(await run_in_threadpool(_exposition), media_type=CONTENT_TYPE_LATEST)
