"""GraphQL types of long work: the Job a mutation started, and who may read it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.permission import BasePermission

from koc.graphql.context import Info
from koc.graphql.enums import enum_type
from koc.worker import models

JobStatus = enum_type(
    models.JobStatus,
    "Where a job is.",
    QUEUED="Waiting for a worker.",
    RUNNING="A worker is doing it; done and total tell how far it is.",
    DONE="Finished; summary tells what it did.",
    FAILED="Stopped; error tells why. What it finished before stays done.",
)

# job kind (its task name) -> who may read such a job: the permission of the mutation that
# starts it. The feature adapters that start jobs declare theirs (``job_access``).
JOB_ACCESS: dict[str, type[BasePermission]] = {}


def job_access(kind: str, allow: type[BasePermission]) -> None:
    """Jobs of ``kind`` may be read by whoever ``allow`` admits (the starting mutation's
    permission)."""
    JOB_ACCESS[kind] = allow


def check_access(info: Info, job: models.Job) -> None:
    """Raise the mutation's own FORBIDDEN or UNAUTHENTICATED unless the viewer may start jobs
    of this kind."""
    JOB_ACCESS[job.kind]().has_permission(None, info)  # raises when not allowed


@strawberry.type(
    description="Long work a mutation started (its job field): status, progress and outcome. "
    "Readable by whoever may call that mutation."
)
class Job(relay.Node):
    id: relay.NodeID[int]
    kind: str = strawberry.field(description="What it does, e.g. badges.award_qualifying.")
    status: JobStatus = strawberry.field(description="Where it is.")  # type: ignore[valid-type]
    done: int = strawberry.field(description="Units of work finished (members, for example).")
    total: int | None = strawberry.field(description="Units of work expected, null until known.")
    summary: str = strawberry.field(description="What it did, once DONE; empty before.")
    error: str = strawberry.field(description="Why it FAILED; empty otherwise.")
    created_at: datetime = strawberry.field(description="When it was queued (UTC).")
    started_at: datetime | None = strawberry.field(description="When a worker began it (UTC).")
    finished_at: datetime | None = strawberry.field(description="When it ended (UTC).")

    @classmethod
    def from_model(cls, job: models.Job) -> Job:
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,
            done=job.done,
            total=job.total,
            summary=job.summary,
            error=job.error,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Job | None]:
        ids = [int(i) for i in node_ids]
        rows = {j.id: j for j in await models.Job.filter(id__in=ids)}
        for row in rows.values():
            check_access(info, row)
        return [cls.from_model(rows[i]) if i in rows else None for i in ids]
