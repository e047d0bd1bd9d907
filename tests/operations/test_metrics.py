"""/metrics in Prometheus format, for a scraper holding KOC_METRICS_TOKEN, across workers."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TEST_SECRET
from tests.live import koc, koc_env, serving

TOKEN = "scrape-token-0123456789"
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}


def samples(text: str, name: str) -> dict[tuple, float]:
    """``name``'s samples by their sorted labels."""
    return {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


async def scrape(http: httpx.AsyncClient) -> str:
    response = await http.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_metrics_are_off_unless_a_token_is_set(endpoint):
    assert (await endpoint().http.get("/metrics")).status_code == 404


async def test_only_the_scraper_with_the_token_reads_metrics(endpoint):
    koc_app = endpoint(metrics_token=TOKEN)
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token-000000000"},
        {"Authorization": TOKEN},
    ):
        response = await koc_app.http.get("/metrics", headers=headers)
        assert response.status_code == 401 and "koc_" not in response.text


async def test_requests_latency_and_errors_are_counted_per_operation(endpoint):
    # given koc with metrics on, and a member
    koc_app = endpoint(metrics_token=TOKEN)
    member = await koc_app.member()
    before = await scrape(koc_app.http)
    # when the member reads their home twice and asks for what members may not see
    await member.execute("query Home { me { id } }")
    await member.execute("{ me { nickname } }")
    await member.errors("{ members(first: 1) { totalCount } }")
    after = await scrape(koc_app.http)

    # then each is counted under its root field, caller kind and result
    def delta(name: str, **labels: str) -> float:
        key = tuple(sorted(labels.items()))
        return samples(after, name).get(key, 0) - samples(before, name).get(key, 0)

    assert delta("koc_graphql_requests_total", operation="me", caller="member", result="OK") == 2
    assert (
        delta(
            "koc_graphql_requests_total", operation="members", caller="member", result="FORBIDDEN"
        )
        == 1
    )
    assert delta("koc_graphql_request_duration_seconds_count", operation="me") == 2
    assert delta("koc_graphql_errors_total", code="FORBIDDEN") == 1
    # and the database pool is reported (SQLite: one connection per worker)
    assert samples(after, "koc_db_pool_connections")[(("state", "size"),)] >= 1


async def test_rate_limit_refusals_are_counted(endpoint):
    # given a bucket of one point for anonymous callers
    koc_app = endpoint(
        metrics_token=TOKEN,
        rate_limit_capacity=1,
        max_query_cost=1,
        rate_limit_refill_per_second=0.001,
    )
    caller = koc_app.anonymous()
    before = samples(await scrape(koc_app.http), "koc_rate_limit_refusals_total")
    # when an anonymous caller sends two requests
    await caller.post("{ __typename }")
    refused = await caller.post("{ __typename }")
    # then the second is refused and counted
    assert refused.status_code == 429
    after = samples(await scrape(koc_app.http), "koc_rate_limit_refusals_total")
    key = (("caller", "anonymous"),)
    assert after[key] - before.get(key, 0) == 1


def test_a_scrape_sums_every_worker(tmp_path: Path):
    # given koc serve with two workers and metrics on
    env = koc_env(
        KOC_ENV="production",
        KOC_JWT_SECRET=TEST_SECRET,
        KOC_DATABASE_URL=f"sqlite://{tmp_path / 'metrics.sqlite3'}",
        KOC_METRICS_TOKEN=TOKEN,
    )
    koc(env, "migrate")
    with serving(env, tmp_path / "serve.log", "--workers", "2") as base:
        # when clients send 30 requests on fresh connections
        for _ in range(30):
            with httpx.Client() as client:
                client.post(f"{base}/graphql", json={"query": "{ __typename }"})
        # then every scrape, whichever worker answers it, counts all 30 ...
        totals = set()
        for _ in range(6):
            totals.add(scrape_workers(base)[0])
        assert totals == {30}
        # ... and both workers' SQLite connections (each worker reports its own): the kernel
        # hands connections to whichever worker accepts first, so on a busy machine one worker
        # may serve all 36 requests; more requests reach the other one
        pools = set()
        for _ in range(200):
            with httpx.Client() as client:
                client.post(f"{base}/graphql", json={"query": "{ __typename }"})
            pools.add(scrape_workers(base)[1])
            if 2 in pools:
                break
        assert pools <= {1, 2} and 2 in pools


def scrape_workers(base: str) -> tuple[float, float]:
    """The request total of `{ __typename }` and the pool size, from one scrape."""
    with httpx.Client() as client:
        text = client.get(f"{base}/metrics", headers=SCRAPER).text
    requests = samples(text, "koc_graphql_requests_total")[
        (("caller", "anonymous"), ("operation", "__typename"), ("result", "OK"))
    ]
    return requests, samples(text, "koc_db_pool_connections")[(("state", "size"),)]
