"""Per-request DataLoaders: one batched SQL statement per kind of lookup per request."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from koc.graphql.context import Info

K = TypeVar("K")
V = TypeVar("V")

BatchFn = Callable[[Sequence[Any]], Awaitable[Sequence[Any]]]


def loader(info: Info, batch_fn: BatchFn) -> DataLoader[Any, Any]:
    """The request's DataLoader for ``batch_fn``, created on first use."""
    loaders = info.context.loaders
    found = loaders.get(batch_fn)
    if found is None:
        found = loaders[batch_fn] = DataLoader(load_fn=batch_fn)
    return found


async def load_many(info: Info, batch_fn: BatchFn, keys: Sequence[Any]) -> list[Any]:
    """``loader(info, batch_fn).load_many(keys)``, but with no gathering future (and so no
    wait) when every key's row is already loaded, e.g. prefetched for the page
    (``koc.graphql.prefetch``)."""
    futures = [loader(info, batch_fn).load(k) for k in keys]
    if all(f.done() for f in futures):
        return [f.result() for f in futures]
    return list(await asyncio.gather(*futures))


def by_key(rows: Sequence[V], keys: Sequence[K], key: Callable[[V], K]) -> list[V | None]:
    """Order ``rows`` as ``keys`` asked for them, None where a key found nothing."""
    index = {key(r): r for r in rows}
    return [index.get(k) for k in keys]


def group_by_key(rows: Sequence[V], keys: Sequence[K], key: Callable[[V], K]) -> list[list[V]]:
    """Group ``rows`` per key, in the order of ``keys`` (empty lists for keys with none)."""
    groups: dict[K, list[V]] = {k: [] for k in keys}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    return [groups[k] for k in keys]
