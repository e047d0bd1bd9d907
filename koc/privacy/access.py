"""Records of who read a member's unmasked phone or unionid, or exported their data, and why.
They follow a prospect merged into the member it turned out to be."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from koc.auth.viewer import PartnerViewer, StaffViewer
from koc.consent.models import ConsentDecision
from koc.db import on_home_loop
from koc.events import MemberMerged
from koc.privacy.models import AccessField, AccessRecord, ErasureRequest

Reader = StaffViewer | PartnerViewer


# The field values of one record, plain data (a report process sends them to its parent).
RecordValues = dict[str, Any]

# Set in a report process (``koc.graphql.reportproc``): the records its report would write,
# collected here for the serving process to write (``write_records``) rather than written on a
# writer connection of the report process's own.
_collected: contextvars.ContextVar[list[RecordValues] | None] = contextvars.ContextVar(
    "koc_collected_access_records", default=None
)


def record_values(reader: Reader, member_id: int, field: AccessField, reason: str) -> RecordValues:
    """The field values of the record of one read."""
    if isinstance(reader, StaffViewer):
        who: RecordValues = {"staff_id": reader.staff_id, "actor": reader.username}
    else:
        who = {"partner_id": reader.token_id, "actor": reader.name[:100]}
    return {"member_id": member_id, "field": field, "reason": reason, **who}


def access_record(reader: Reader, member_id: int, field: AccessField, reason: str) -> AccessRecord:
    """An unsaved record of one read (save it, or ``bulk_create`` many)."""
    return AccessRecord(**record_values(reader, member_id, field, reason))


async def write_records(values: Sequence[RecordValues]) -> None:
    """Write records given as field values, in one statement."""
    if values:
        await AccessRecord.bulk_create([AccessRecord(**v) for v in values])


async def record_reads(reads: Sequence[tuple[Reader, int, AccessField, str]]) -> None:
    """Record many reads in one statement (the reads of one request), on the process's
    writer also when the request is a report running on the report thread; in a report
    process, collected for the serving process to write (``collecting_records``)."""
    values = [record_values(*read) for read in reads]
    collected = _collected.get()
    if collected is not None:
        collected.extend(values)
        return
    await on_home_loop(lambda: write_records(values))


@contextmanager
def collecting_records() -> Iterator[list[RecordValues]]:
    """Within: the records reads would write are added to the list given instead (a report
    process's, whose parent writes them). Tasks and threads started within (the report
    thread: ``koc.db.off_loop`` copies the context) add to the same list."""
    collected: list[RecordValues] = []
    token = _collected.set(collected)
    try:
        yield collected
    finally:
        _collected.reset(token)


async def on_member_merged(e: MemberMerged) -> None:
    prospect, member = e.prospect, e.member
    # The records are the brand's evidence of who read what: they follow the person, where a
    # cascade would delete them with the prospect's row.
    for model in (AccessRecord, ConsentDecision, ErasureRequest):
        await model.filter(member_id=prospect.id).update(member_id=member.id)
