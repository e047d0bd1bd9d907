"""``Member.surveys``: the open surveys meant for a member (``me.surveys`` in the mini-program).

This module must not import ``koc.members.graphql.types``; the survey types do not either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types.nodes import SelectedField

from koc.auth.viewer import can_read_member
from koc.graphql.context import Info
from koc.graphql.loaders import load_many, loader
from koc.graphql.permissions import forbidden
from koc.graphql.prefetch import keys_of, primed
from koc.graphql.relay import Connection, SortKey, paginate_rows
from koc.surveys.graphql import dataloaders as dl
from koc.surveys.graphql.types import Survey


async def _prime_surveys(info: Info, members: Sequence[Any], field: SelectedField) -> object:
    """The surveys field's rows for a page: each member's open surveys, then those surveys."""
    ids = await loader(info, dl.load_open_surveys_of_members).load_many(keys_of(members))
    return await loader(info, dl.load_surveys).load_many(
        sorted({i for found in ids for i in found})
    )


@strawberry.type
class SurveyMemberFields:
    if TYPE_CHECKING:
        id: int  # the Member's database id, from the Member type

    @strawberry.field(
        description="Open surveys whose audience holds this member, most recently opened first "
        "(the member and staff only). Each tells the member's progress in myStatus.",
        metadata=primed(_prime_surveys),
    )
    async def surveys(
        self,
        info: Info,
        first: Annotated[int | None, strawberry.argument(description="Page size, max 100.")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor.")] = None,
    ) -> Connection[Survey]:
        if not can_read_member(info.context.viewer, self.id):
            raise forbidden()
        ids = await loader(info, dl.load_open_surveys_of_members).load(self.id)
        # A member is meant for a handful of open surveys: page through them in memory, so a
        # list of members costs the two batched statements, not two per member.
        surveys = await load_many(info, dl.load_surveys, sorted(ids))
        return paginate_rows(
            [s for s in surveys if s is not None],
            first=first,
            after=after,
            to_node=Survey.from_model,
            order=[SortKey("published_at")],
        )
