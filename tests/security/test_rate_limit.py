"""Each caller draws its requests' costs from its own token bucket; an empty bucket is HTTP 429.

In one process the buckets live in memory; with KOC_REDIS_URL every worker shares them through
Redis (tested against the real server, skipped only when none answers).
"""

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from koc.auth.models import PartnerScope, StaffRole

REDIS_URL = "redis://127.0.0.1:6379/0"
# { me { id nickname } }: me 1 + id 1 + nickname 1
QUERY = "{ me { id nickname } }"
QUERY_COST = 3
# A bucket of 10 points that refills so slowly no test sees it refill.
TINY = {"max_query_cost": 10, "rate_limit_capacity": 10, "rate_limit_refill_per_second": 0.01}


async def _redis_is_up() -> bool:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        return bool(await client.ping())
    except OSError:
        return False
    finally:
        await client.aclose()


@pytest.fixture
async def redis_prefix() -> str:
    if not await _redis_is_up():
        pytest.skip("no Redis at " + REDIS_URL)
    prefix = f"koc-test:{uuid.uuid4().hex}:"
    yield prefix
    client = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def assert_limited_after_three(client) -> None:
    """Three queries of 3 points fit in 10; the fourth is refused with what is left."""
    for _ in range(3):
        await client.execute(QUERY)
    response = await client.post(QUERY)
    body = response.json()
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["rateLimit"]["limit"] == 10
    assert error["extensions"]["rateLimit"]["remaining"] == 1
    assert error["extensions"]["rateLimit"]["resetSeconds"] > 0


async def test_a_member_over_budget_gets_429_and_another_member_does_not(endpoint) -> None:
    api = endpoint(**TINY)
    member, other = await api.member(), await api.member()

    await assert_limited_after_three(member)

    # another member's bucket is untouched
    assert (await other.execute(QUERY))["me"]["id"] == other.member_gid


async def test_the_cost_of_the_query_is_what_is_taken(endpoint) -> None:
    # given a bucket of 10
    api = endpoint(**TINY)
    member = await api.member()

    # when one query costs 7 points (me, id, nickname, region, gender, createdAt, orderCount)
    await member.execute("{ me { id nickname region gender createdAt orderCount } }")

    # then a second query of 7 does not fit, while one of 3 does
    assert (
        await member.post("{ me { id nickname region gender createdAt orderCount } }")
    ).status_code == 429
    await member.execute(QUERY)


async def test_partners_and_anonymous_callers_are_limited_too(endpoint) -> None:
    api = endpoint(**TINY)
    partner = await api.partner([PartnerScope.MEMBERS_READ])
    await assert_limited_after_three(partner)

    anonymous = api.anonymous()
    for _ in range(10):
        await anonymous.execute("{ __typename }")  # 1 point each
    assert (await anonymous.post("{ __typename }")).status_code == 429


async def test_anonymous_callers_are_told_apart_by_address(endpoint) -> None:
    here = endpoint(client_host="198.51.100.1", **TINY)
    there = endpoint(client_host="198.51.100.2", **TINY)
    for _ in range(10):
        await here.anonymous().execute("{ __typename }")
    assert (await here.anonymous().post("{ __typename }")).status_code == 429
    assert (await there.anonymous().post("{ __typename }")).status_code == 200


async def test_staff_are_not_rate_limited(endpoint) -> None:
    api = endpoint(**TINY)
    staff = await api.staff(StaffRole.ANALYST)
    for _ in range(6):
        await staff.execute(QUERY)


async def test_refused_documents_cost_nothing(endpoint) -> None:
    api = endpoint(**TINY)
    member = await api.member()
    for _ in range(5):
        await member.errors("{ me { nope } }")
    for _ in range(3):
        await member.execute(QUERY)


async def test_redis_buckets_are_shared_by_every_worker(endpoint, redis_prefix) -> None:
    # given two workers sharing one Redis
    settings = {**TINY, "redis_url": REDIS_URL, "redis_key_prefix": redis_prefix}
    worker_a, worker_b = endpoint(**settings), endpoint(**settings)
    member = await worker_a.member()
    on_b = type(member)(worker_b.http, token=member.token, member_id=member.member_id)

    # when the member spends 9 of 10 points on worker A
    for _ in range(3):
        await member.execute(QUERY)

    # then worker B refuses the next query: the bucket is the same
    response = await on_b.post(QUERY)
    assert response.status_code == 429
    assert response.json()["errors"][0]["extensions"]["rateLimit"]["remaining"] == 1


async def test_redis_bucket_is_atomic_under_concurrency(endpoint, redis_prefix) -> None:
    # given a bucket of 30 points in Redis and 20 parallel queries of 3 points
    settings = {
        "max_query_cost": 30,
        "rate_limit_capacity": 30,
        "rate_limit_refill_per_second": 0.01,
        "redis_url": REDIS_URL,
        "redis_key_prefix": redis_prefix,
    }
    api = endpoint(**settings)
    member = await api.member()

    statuses = [
        r.status_code for r in await asyncio.gather(*(member.post(QUERY) for _ in range(20)))
    ]

    # then exactly 10 fit
    assert statuses.count(200) == 10
    assert statuses.count(429) == 10


async def test_the_api_stays_up_when_redis_is_unreachable(endpoint, caplog) -> None:
    api = endpoint(**TINY, redis_url="redis://127.0.0.1:1/0")
    member = await api.member()
    for _ in range(5):
        await member.execute(QUERY)
    assert "rate limiter unavailable" in caplog.text
