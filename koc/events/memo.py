"""Configuration rows read once per batch of events, not once per handler.

A converting order runs a dozen handlers (attribution, badges, signals, privileges, segments)
and several of them read the same configuration: the scoring weights, the automatic badges,
the active privileges, the tag rules. Staff change those rows rarely and never from inside a
handler, so within one ``publish_many`` (and the nested ones its handlers start) a row read
once stands for the rest: each read is a full Tortoise statement, about a tenth of a
millisecond of Python before the database sees it.

The memo lives only as long as the outermost ``batch_memo`` block, in the task that opened
it: nothing is cached across requests or processes, so there is nothing to invalidate when
staff edit a row (the next batch reads it again), and several workers cannot disagree.
Values handed out are shared by every reader of the batch: readers must not change them.
``once_per_version`` (below) keeps a few rows longer, for as long as a version row says
their tables did not change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from koc.db import fetch

T = TypeVar("T")

_memo: ContextVar[dict[str, Any] | None] = ContextVar("koc_batch_memo", default=None)


@contextmanager
def batch_memo() -> Iterator[None]:
    """Within the block, ``once_per_batch`` reads each key once. Nested blocks share the
    outermost one's memo."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


async def once_per_batch(key: str, load: Callable[[], Awaitable[T]]) -> T:
    """``await load()``, or what it gave earlier in this batch under ``key``; outside a
    ``batch_memo`` block always ``await load()``."""
    memo = _memo.get()
    if memo is None:
        return await load()
    if key not in memo:
        memo[key] = await load()
    return memo[key]  # type: ignore[no-any-return]


# --- configuration kept between batches ---------------------------------------------------------
#
# Some configuration is read by every order (the lifecycle stages, the automatic badges, the
# referral program, the scoring weights, the active privileges and tag rules), changes a few
# times a year, and costs a full ORM statement and its model instances per read. Those reads are
# kept by the process for as long as none of their tables changed: a trigger on each table
# (migrations events 0002 and privileges 0004) gives ``config_version`` a new random value in
# the statement that changes it, so every worker sees a change staff commit at its next batch,
# and a change that rolled back leaves a value no other change will give again. Each batch reads
# the version once (one fixed statement).

# The tables whose rows ``once_per_version`` may keep: each has the trigger, which
# tests/orders/test_order_configuration_reads.py checks in the migrated database.
VERSIONED_TABLES = (
    "lifecycle_stage",
    "badge",
    "referral_program",
    "koc_scoring_config",
    # migration privileges 0004; on privilege an UPDATE of remaining_stock alone does not count
    "privilege",
    "segment_tag_rule",
    "segment",
)

_kept: dict[str, tuple[int, Any]] = {}


async def _version() -> int | None:
    rows = await fetch("SELECT version FROM config_version WHERE id = 1")
    return rows[0][0] if rows else None


async def once_per_version(key: str, load: Callable[[], Awaitable[T]]) -> T:
    """``once_per_batch(key, load)``, and what it gave in an earlier batch of this process as
    long as no table of ``VERSIONED_TABLES`` changed since; outside a ``batch_memo`` block
    always ``await load()``, as ``once_per_batch`` does. ``load`` reads only those tables; what
    it gives is shared by every reader of every batch: readers must not change it."""
    if _memo.get() is None:
        return await load()

    async def load_unless_kept() -> T:
        version = await once_per_batch("config.version", _version)
        kept = _kept.get(key)
        if version is not None and kept is not None and kept[0] == version:
            return kept[1]  # type: ignore[no-any-return]
        value = await load()
        if version is not None:
            _kept[key] = (version, value)
        return value

    return await once_per_batch(key, load_unless_kept)
