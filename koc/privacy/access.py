"""Records of who read a member's unmasked phone or unionid, or exported their data, and why.
They follow a prospect merged into the member it turned out to be."""

from __future__ import annotations

from collections.abc import Sequence

from koc.auth.viewer import PartnerViewer, StaffViewer
from koc.consent.models import ConsentDecision
from koc.db import on_home_loop
from koc.events import MemberMerged
from koc.privacy.models import AccessField, AccessRecord, ErasureRequest

Reader = StaffViewer | PartnerViewer


def access_record(reader: Reader, member_id: int, field: AccessField, reason: str) -> AccessRecord:
    """An unsaved record of one read (save it, or ``bulk_create`` many)."""
    if isinstance(reader, StaffViewer):
        who = {"staff_id": reader.staff_id, "actor": reader.username}
    else:
        who = {"partner_id": reader.token_id, "actor": reader.name[:100]}
    return AccessRecord(member_id=member_id, field=field, reason=reason, **who)


async def record_reads(reads: Sequence[tuple[Reader, int, AccessField, str]]) -> None:
    """Record many reads in one statement (the reads of one request), on the process's
    writer also when the request is a report running on the report thread."""
    records = [access_record(*read) for read in reads]
    await on_home_loop(lambda: AccessRecord.bulk_create(records))


async def on_member_merged(e: MemberMerged) -> None:
    prospect, member = e.prospect, e.member
    # The records are the brand's evidence of who read what: they follow the person, where a
    # cascade would delete them with the prospect's row.
    for model in (AccessRecord, ConsentDecision, ErasureRequest):
        await model.filter(member_id=prospect.id).update(member_id=member.id)
