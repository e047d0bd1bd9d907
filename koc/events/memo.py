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
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

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
