"""Automatic tags profile a member, so they go only to members who allow PROFILING.

AUTO tags (from what a member did: KOC activation, a tier rule) and EVENT tags (a survey
codebook, a registration form) are put on through ``apply_automatic_tags``; tags staff write
down (MANUAL) go straight to ``koc.members.services.apply_tags``. Members sit below consent
(decisions point at members), so the check is made here, on the way in, rather than inside
``apply_tags``.
"""

from __future__ import annotations

from collections.abc import Sequence

from koc.consent.models import Purpose
from koc.consent.services import may_process
from koc.members.models import Tag, TagSource
from koc.members.services import apply_tags

# Members asked about per statement: well under the engines' ~30,000 parameters.
BATCH = 5000


async def apply_automatic_tags(
    member_ids: Sequence[int], tags: Sequence[Tag], *, source: TagSource, cause: str = ""
) -> int:
    """``apply_tags`` (AUTO or EVENT ``source``) for the members among ``member_ids`` who allow
    PROFILING; the others are skipped. Returns rows added. Call inside a transaction."""
    profiled: list[int] = []
    for start in range(0, len(member_ids), BATCH):
        batch = member_ids[start : start + BATCH]
        allowed = await may_process(batch, Purpose.PROFILING)
        profiled += [m for m in batch if m in allowed]
    return await apply_tags(profiled, tags, source=source, cause=cause)
