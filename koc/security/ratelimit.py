"""Cost-based token buckets, one per caller.

A caller's bucket holds up to ``capacity`` points and refills at ``refill_per_second``; a
request takes its query cost (at least 1). In one process the buckets live in memory; with
``KOC_REDIS_URL`` they live in Redis, updated by one Lua script so that every worker behind the
load balancer draws from the same bucket atomically.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from koc.auth.viewer import Anonymous, MemberViewer, PartnerViewer, StaffViewer, Viewer
from koc.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """The answer to one request: allowed or not, and the state of the caller's bucket."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the refused cost is available; 0 when allowed
    reset_seconds: int  # seconds until the bucket is full again

    def as_extension(self) -> dict[str, int]:
        return {
            "limit": self.limit,
            "remaining": self.remaining,
            "resetSeconds": self.reset_seconds,
        }


@dataclass(frozen=True)
class Bucket:
    capacity: int
    refill_per_second: float

    def take(self, tokens: float, elapsed: float, cost: int) -> tuple[bool, float]:
        """Refill ``tokens`` for ``elapsed`` seconds, then take ``cost`` if there is enough."""
        tokens = min(self.capacity, tokens + max(elapsed, 0.0) * self.refill_per_second)
        if tokens >= cost:
            return True, tokens - cost
        return False, tokens

    def decision(self, allowed: bool, tokens: float, cost: int) -> Decision:
        rate = self.refill_per_second
        return Decision(
            allowed=allowed,
            limit=self.capacity,
            remaining=math.floor(tokens),
            retry_after=0 if allowed else math.ceil((cost - tokens) / rate),
            reset_seconds=math.ceil((self.capacity - tokens) / rate),
        )


def caller_key(viewer: Viewer, client_host: str | None) -> str | None:
    """Whose bucket a request draws from; None for staff, who are not rate limited."""
    match viewer:
        case MemberViewer(member_id=member_id):
            return f"member:{member_id}"
        case PartnerViewer(token_id=token_id):
            return f"partner:{token_id}"
        case StaffViewer():
            return None
        case Anonymous():
            return f"ip:{client_host or 'unknown'}"


class RateLimiter(Protocol):
    async def charge(self, key: str, cost: int) -> Decision: ...

    async def aclose(self) -> None: ...


class MemoryRateLimiter:
    """Buckets in this process's memory (one worker, or a limit per worker)."""

    # Past this many callers, buckets that have refilled completely are forgotten: a full
    # bucket and no bucket mean the same.
    MAX_BUCKETS = 100_000

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket
        self._state: dict[str, tuple[float, float]] = {}

    async def charge(self, key: str, cost: int) -> Decision:
        now = time.monotonic()
        tokens, updated = self._state.get(key, (float(self.bucket.capacity), now))
        allowed, tokens = self.bucket.take(tokens, now - updated, cost)
        self._state[key] = (tokens, now)
        if len(self._state) > self.MAX_BUCKETS:
            self._forget_full(now)
        return self.bucket.decision(allowed, tokens, cost)

    def _forget_full(self, now: float) -> None:
        rate, capacity = self.bucket.refill_per_second, self.bucket.capacity
        self._state = {
            key: (tokens, updated)
            for key, (tokens, updated) in self._state.items()
            if tokens + (now - updated) * rate < capacity
        }

    async def aclose(self) -> None:
        self._state.clear()


# KEYS[1] the bucket; ARGV capacity, refill per second, cost. Redis's clock is the one clock all
# workers share. Returns {allowed (0/1), tokens left as a string (Lua numbers lose fractions)}.
TOKEN_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(now - updated, 0) * rate)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate * 1000) + 1000)
return {allowed, tostring(tokens)}
"""


class RedisRateLimiter:
    """Buckets in Redis, shared by every worker. If Redis is unreachable requests are let
    through (and logged): an outage of the limiter must not become an outage of the API."""

    def __init__(self, bucket: Bucket, url: str, prefix: str) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self._redis = Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self._script = self._redis.register_script(TOKEN_BUCKET_LUA)

    async def charge(self, key: str, cost: int) -> Decision:
        try:
            allowed, tokens = await self._script(
                keys=[self.prefix + key],
                args=[self.bucket.capacity, self.bucket.refill_per_second, cost],
            )
        except (RedisError, OSError) as exc:
            logger.warning("rate limiter unavailable, letting the request through: %s", exc)
            return self.bucket.decision(True, float(self.bucket.capacity), cost)
        return self.bucket.decision(bool(allowed), float(tokens), cost)

    async def aclose(self) -> None:
        await self._redis.aclose()


def rate_limiter_for(settings: Settings) -> RateLimiter:
    """The limiter the settings ask for: Redis when ``KOC_REDIS_URL`` is set, else memory."""
    bucket = Bucket(settings.rate_limit_capacity, settings.rate_limit_refill_per_second)
    if settings.redis_url:
        return RedisRateLimiter(bucket, settings.redis_url, settings.redis_key_prefix)
    return MemoryRateLimiter(bucket)
