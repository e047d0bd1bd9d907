"""Queries of long work."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import relay

from koc.graphql.context import Info
from koc.graphql.ids import decode_id
from koc.graphql.mutations import query
from koc.graphql.permissions import IsOperator
from koc.worker import models
from koc.worker.graphql.types import Job, check_access


@strawberry.type
class Query:
    @query(
        allow=IsOperator,
        description="A job a mutation started (the job field of its payload): status, progress "
        "and outcome. Whoever may call that mutation may read it.",
    )
    async def job(
        self,
        info: Info,
        id: Annotated[relay.GlobalID, strawberry.argument(description="The Job.")],
    ) -> Job | None:
        row = await models.Job.get_or_none(id=decode_id(id, "Job", "id"))
        if row is None:
            return None
        check_access(info, row)
        return Job.from_model(row)
