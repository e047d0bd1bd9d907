"""Long work started by a mutation: its caller reads status and progress through job(id), a
failure comes back as a reason, and only those who may start such work may read it."""

from __future__ import annotations

import asyncio
from typing import Any

from koc.auth.models import StaffRole
from koc.errors import DomainError
from koc.graphql.permissions import IsOperator
from koc.jobs import Progress
from koc.members.errors import TagErrorCode
from koc.worker import run_pending_jobs, start_job, tracked_task
from koc.worker.graphql.types import job_access
from tests.conftest import gid

JOB = "query($id: ID!) { job(id: $id) { status done total summary error startedAt finishedAt } }"
NODE = "query($id: ID!) { node(id: $id) { ... on Job { status } } }"

gate = asyncio.Event()


@tracked_task("tests.halfway")
async def halfway(progress: Progress, units: int) -> str:
    progress.expect(units)
    progress.advance(units // 2)
    await gate.wait()
    progress.advance(units - units // 2)
    return f"did {units} units"


@tracked_task("tests.refused")
async def refused(progress: Progress, domain: bool) -> str:
    if domain:
        raise DomainError(TagErrorCode.NO_MEMBERS, "No member matches any more.", "members")
    raise RuntimeError("psycopg: connection to 10.0.0.7 refused")  # a library's own words


for kind in ("tests.halfway", "tests.refused"):
    job_access(kind, IsOperator)


async def read(staff: Any, job_id: int) -> dict[str, Any]:
    return (await staff.execute(JOB, {"id": gid("Job", job_id)}))["job"]


async def test_a_running_job_reports_its_progress_then_its_summary(app, staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    gate.clear()
    job = await start_job("tests.halfway", staff_id=None, units=10)
    assert (await read(staff, job.id))["status"] == "QUEUED"
    # when a worker is half-way through it
    worker = asyncio.create_task(run_pending_jobs())
    for _ in range(100):
        seen = await read(staff, job.id)
        if seen["done"] == 5:
            break
        await asyncio.sleep(0.05)
    # then its caller sees it running, with how far it is
    assert (seen["status"], seen["done"], seen["total"]) == ("RUNNING", 5, 10)
    assert seen["startedAt"] and not seen["finishedAt"]
    gate.set()
    await worker
    done = await read(staff, job.id)
    assert (done["status"], done["done"], done["summary"]) == ("DONE", 10, "did 10 units")
    assert done["finishedAt"]


async def test_a_failed_job_says_why_in_words_for_its_caller(app, staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    domain = await start_job("tests.refused", staff_id=None, domain=True)
    library = await start_job("tests.refused", staff_id=None, domain=False)
    await run_pending_jobs()
    failed = await read(staff, domain.id)
    assert (failed["status"], failed["error"]) == ("FAILED", "No member matches any more.")
    crashed = await read(staff, library.id)
    assert crashed["status"] == "FAILED"
    assert "10.0.0.7" not in crashed["error"] and f"job {library.id}" in crashed["error"]


async def test_only_who_may_start_a_job_may_read_it(app, staff_client, member_client):
    job = await start_job("tests.refused", staff_id=None, domain=True)
    job_gid = gid("Job", job.id)
    operator = await staff_client(StaffRole.OPERATOR)
    analyst = await staff_client(StaffRole.ANALYST)
    member = await member_client()
    # control: the operator reads it both ways
    assert (await operator.execute(JOB, {"id": job_gid}))["job"]["status"] == "QUEUED"
    assert (await operator.execute(NODE, {"id": job_gid}))["node"] == {"status": "QUEUED"}
    for caller in (analyst, member):
        for query in (JOB, NODE):
            errors = await caller.errors(query, {"id": job_gid})
            assert errors[0]["extensions"]["code"] == "FORBIDDEN", (caller, query)
    # and a job that does not exist is null
    assert (await operator.execute(JOB, {"id": gid("Job", job.id + 1000)}))["job"] is None
