"""OpenTelemetry traces, sent over OTLP/HTTP to a collector (a local fake one here)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET
from tests.fakes.otlp import FakeCollector
from tests.live import koc, koc_env, serving


def test_a_request_is_one_trace_from_http_to_sql(tmp_path: Path):
    env = koc_env(
        KOC_ENV="production",
        KOC_JWT_SECRET=TEST_SECRET,
        KOC_DATABASE_URL=f"sqlite://{tmp_path / 'traced.sqlite3'}",
    )
    koc(env, "migrate")
    with FakeCollector() as collector:
        # given koc serving with tracing on, pointed at a collector
        env.update(
            KOC_TRACING="true",
            OTEL_EXPORTER_OTLP_ENDPOINT=collector.endpoint,
            OTEL_BSP_SCHEDULE_DELAY="100",
        )
        with serving(env, tmp_path / "serve.log") as base:
            # when someone tries to sign in as staff (koc looks the username up)
            login = 'mutation SignIn { staffLogin(username: "nobody", password: "x") { errors { code } } }'
            response = httpx.post(
                f"{base}/graphql",
                json={"query": login},
                headers={"X-Request-ID": "traced-1"},
            )
            assert response.status_code == 200
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any(
                s.attributes.get("koc.request_id") == "traced-1" for s in collector.collected.spans
            ):
                time.sleep(0.1)
        # then the collector has the request's server span, tagged with the request id ...
        spans = collector.collected.spans
        (server,) = [s for s in spans if s.attributes.get("koc.request_id") == "traced-1"]
        assert server.service == "koc" and server.name.startswith("POST /graphql")
        # ... and in the same trace strawberry's operation and resolver spans and the SQL
        names = {s.name for s in spans if s.trace_id == server.trace_id}
        assert "GraphQL Resolving: staffLogin" in names, names
        assert any(name.startswith("GraphQL") and name.endswith(": SignIn") for name in names)
        assert any(name.startswith("SELECT") for name in names), names


def test_tracing_is_off_by_default():
    from koc.settings import Settings

    assert Settings().tracing is False
