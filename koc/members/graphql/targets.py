"""The members a bulk change covers, named as ``memberIds`` or as a ``filter``: one check and
one resolution for every input that offers both (memberTagsAdd/Remove, memberOwnerSet)."""

from __future__ import annotations

from enum import StrEnum

from strawberry import relay

from koc.errors import DomainError
from koc.graphql.ids import decode_ids
from koc.members.graphql.inputs import MemberFilterInput
from koc.members.services import MemberFilter


class MemberTargetErrorCode(StrEnum):
    """What ``member_target`` raises. Codes match a payload's by value (as ``InputErrorCode``
    does), so the payload of an input offering memberIds-or-filter has these codes, and those a
    filter raises (``NOT_FOUND`` and ``INVALID_RULE``, from its rule or segment)."""

    INVALID = "INVALID"
    NO_MEMBERS = "NO_MEMBERS"


async def member_target(
    member_ids: list[relay.GlobalID] | None, filter: MemberFilterInput | None
) -> MemberFilter:
    """The members named by exactly one of ``memberIds`` (at least one member) and ``filter``
    (its rule or segment checked against the data)."""
    if (member_ids is None) == (filter is None):
        raise DomainError(
            MemberTargetErrorCode.INVALID, "Give memberIds or filter, not both.", "memberIds"
        )
    if filter is not None:
        return await filter.to_filter()
    if not member_ids:
        raise DomainError(
            MemberTargetErrorCode.NO_MEMBERS, "Give at least one member.", "memberIds"
        )
    return MemberFilter(ids=decode_ids(member_ids, "Member", "memberIds"))
