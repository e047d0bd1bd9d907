"""Taking tags off members while keeping them in the members' stories.

``member_tag`` holds the tags a member holds now; every place that takes tags off (staff, an
exclusive group's replacement, a layering rule no longer matched, a KOC retired) goes through
``drop_member_tags`` so the tag's life (put on when, by whom, why; taken off when, by whom,
why) stays in ``member_tag_removal`` for ``Member.timeline``.
"""

from __future__ import annotations

from tortoise.queryset import QuerySet

from koc.members.models import MemberTag, MemberTagRemoval


async def drop_member_tags(
    rows: QuerySet[MemberTag], *, removed_by: int | None, reason: str
) -> list[int]:
    """Delete the tags of ``rows``, each kept in ``MemberTagRemoval`` for the member's story,
    with who (``removed_by``, null for a rule) and why. Returns the members who lost a tag.
    Call inside a transaction; an event that the tags changed is the caller's to publish."""
    removed = await rows.values(
        "id", "member_id", "tag_id", "source", "staff_id", "cause", "created_at"
    )
    for start in range(0, len(removed), 5000):
        chunk = removed[start : start + 5000]
        await MemberTag.filter(id__in=[r["id"] for r in chunk]).delete()
        await MemberTagRemoval.bulk_create(
            (
                MemberTagRemoval(
                    member_id=r["member_id"],
                    tag_id=r["tag_id"],
                    source=r["source"],
                    staff_id=r["staff_id"],
                    cause=r["cause"],
                    added_at=r["created_at"],
                    removed_by_id=removed_by,
                    reason=reason[:200],
                )
                for r in chunk
            ),
            batch_size=1000,
        )
    return list(dict.fromkeys(r["member_id"] for r in removed))
