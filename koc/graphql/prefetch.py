"""Prefetching: a page resolver loads, for the fields the query selects, each field's rows for
the whole page before graphql-core resolves the page's objects.

A staff page of 100 members selects some thirty fields per member that read through a
DataLoader. Resolved one by one, each is a coroutine waiting on a DataLoader future: graphql-core
wraps it in a coroutine and a task of its own and the event loop runs it several times, some
3,000 times per page, and that machinery, not the SQL, was most of the page's CPU. Once the
page resolver has asked each loader for the whole page's keys (the same batched statements the
fields would have caused, so the statement count does not change), the rows are in the
request's loader cache and each field's coroutine, run eagerly by ``koc.graphql.lean``, finishes
at once: graphql-core gets a plain value.

A field opts in by naming its primer in its metadata (``metadata=primed(...)``): an async
function given the request's ``info``, the page's objects and the field's selection, that asks
the loaders the field's resolver will ask, with the same keys. A primer only warms the cache:
the resolver still runs, with its own permission checks, and returns what it returns. Primers
run only for callers that read every member of the page in full (staff, the member themselves
on ``me``); a field those callers may not all read says ``staff_only``. A primer that fails is
ignored: the field's resolver meets the same problem and reports it where it belongs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from strawberry.types.nodes import SelectedField, Selection

from koc.auth.viewer import MemberViewer, StaffViewer, advisor_id, is_staff
from koc.graphql.context import Info
from koc.graphql.loaders import loader

PRIME = "koc.prime"
STAFF_ONLY = "koc.prime.staff_only"

Primer = Callable[[Info, Sequence[Any], SelectedField], Awaitable[object]]


def primed(primer: Primer, *, staff_only: bool = False) -> dict[str, Any]:
    """Field metadata naming the primer that loads this field's rows for a whole page."""
    return {PRIME: primer, STAFF_ONLY: staff_only}


def selected(info: Info, *path: str) -> list[SelectedField]:
    """The fields selected under the current field and then ``path`` (field names, e.g.
    "edges", "node"), through fragments."""
    fields = _flatten(s for f in info.selected_fields for s in f.selections)
    for name in path:
        fields = _flatten(s for f in fields if f.name == name for s in f.selections)
    return fields


def _flatten(selections: Iterable[Selection]) -> list[SelectedField]:
    fields: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            fields.append(selection)
        else:
            fields.extend(_flatten(selection.selections))
    return fields


def _reads_all(info: Info, parents: Sequence[Any]) -> tuple[bool, bool]:
    """(may prime, may prime staff-only fields) for this caller and page."""
    viewer = info.context.viewer
    if isinstance(viewer, StaffViewer):
        staff = is_staff(viewer) and advisor_id(viewer) is None
        return staff, staff
    if isinstance(viewer, MemberViewer):
        return all(getattr(p, "id", None) == viewer.member_id for p in parents), False
    return False, False


async def prefetch(
    info: Info, type_: type, parents: Sequence[Any], fields: Sequence[SelectedField]
) -> None:
    """Run the primers of the ``fields`` selected on ``parents`` (objects of ``type_``), all
    at once so their loaders batch together."""
    if not parents or not fields:
        return
    may, may_staff_only = _reads_all(info, parents)
    if not may:
        return
    by_name = _fields_by_name(info, type_)
    calls = []
    for selection in fields:
        field = by_name.get(selection.name)
        metadata = field.metadata if field is not None else None
        if not metadata or PRIME not in metadata:
            continue
        if metadata[STAFF_ONLY] and not may_staff_only:
            continue
        calls.append(metadata[PRIME](info, parents, selection))
    if calls:
        await asyncio.gather(*calls, return_exceptions=True)


_FIELDS: dict[type, dict[str, Any]] = {}


def _fields_by_name(info: Info, type_: type) -> dict[str, Any]:
    found = _FIELDS.get(type_)
    if found is None:
        convert = info.schema.config.name_converter.from_field
        definition = type_.__strawberry_definition__  # type: ignore[attr-defined]
        found = _FIELDS[type_] = {convert(f): f for f in definition.fields}
    return found


def keys_of(parents: Sequence[Any], attribute: str = "id") -> list[Any]:
    """The distinct non-null ``attribute`` of the parents, in page order."""
    return list(dict.fromkeys(v for p in parents if (v := getattr(p, attribute)) is not None))


def load_all(batch_fn: Any, attribute: str = "id") -> Primer:
    """A primer asking ``batch_fn``'s loader for every parent's ``attribute``: the field whose
    resolver does ``loader(info, batch_fn).load(self.<attribute>)``."""

    async def prime(info: Info, parents: Sequence[Any], field: SelectedField) -> object:
        return await loader(info, batch_fn).load_many(keys_of(parents, attribute))

    return prime


def load_all_then(
    batch_fn: Any, child: str, child_fn: Any, child_key: Callable[[Any, dict[str, Any]], Any]
) -> Primer:
    """``load_all(batch_fn)``, then, when the field selects ``child`` (an object field of what
    it returns), ``child_fn``'s loader for ``child_key(row, arguments)`` of every row found
    (None: that row's child is not read)."""

    async def prime(info: Info, parents: Sequence[Any], field: SelectedField) -> object:
        found = await loader(info, batch_fn).load_many(keys_of(parents))
        if child not in {f.name for f in _flatten(field.selections)}:
            return found
        rows = [r for f in found for r in (f if isinstance(f, list) else [f]) if r is not None]
        keys = (child_key(r, field.arguments) for r in rows)
        return await loader(info, child_fn).load_many(list(dict.fromkeys(k for k in keys if k)))

    return prime
