"""Per-request DataLoaders: one batched SQL statement per kind of lookup per request."""

from __future__ import annotations

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
