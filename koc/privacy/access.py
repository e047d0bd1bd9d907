"""Records of who read a member's unmasked phone or unionid, or exported their data, and why."""

from __future__ import annotations

from collections.abc import Sequence

from koc.auth.viewer import PartnerViewer, StaffViewer
from koc.privacy.models import AccessField, AccessRecord

Reader = StaffViewer | PartnerViewer


def access_record(reader: Reader, member_id: int, field: AccessField, reason: str) -> AccessRecord:
    """An unsaved record of one read (save it, or ``bulk_create`` many)."""
    if isinstance(reader, StaffViewer):
        who = {"staff_id": reader.staff_id, "actor": reader.username}
    else:
        who = {"partner_id": reader.token_id, "actor": reader.name[:100]}
    return AccessRecord(member_id=member_id, field=field, reason=reason, **who)


async def record_reads(reads: Sequence[tuple[Reader, int, AccessField, str]]) -> None:
    """Record many reads in one statement (the reads of one request)."""
    await AccessRecord.bulk_create([access_record(*read) for read in reads])
