"""Jobs enqueued in a transaction run when it commits and never when it rolls back; a job due
later waits; a failing job is held as failed. Through the engine's own code path
(``run_pending_jobs``), on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tortoise.transactions import in_transaction

from koc.members.models import Member
from koc.worker import enqueue, run_pending_jobs, task
from tests.conftest import make_member

pytestmark = pytest.mark.usefixtures("app")


@task("tests.rename_member")
async def rename_member(member_id: int, nickname: str) -> None:
    await Member.filter(id=member_id).update(nickname=nickname)


@task("tests.always_fails")
async def always_fails(reason: str) -> None:
    raise RuntimeError(reason)


async def nickname(member_id: int) -> str:
    return (await Member.get(id=member_id)).nickname


async def test_a_job_of_a_committed_transaction_runs():
    member = await make_member(nickname="before")
    # given a job enqueued inside a transaction that commits
    async with in_transaction():
        await enqueue("tests.rename_member", member_id=member.id, nickname="after")
    # when the pending jobs run
    await run_pending_jobs()
    # then its effect is there
    assert await nickname(member.id) == "after"


async def test_a_job_of_a_rolled_back_transaction_never_runs():
    member = await make_member(nickname="before")
    # given a job enqueued inside a transaction that rolls back
    with pytest.raises(ZeroDivisionError):
        async with in_transaction():
            await enqueue("tests.rename_member", member_id=member.id, nickname="after")
            1 / 0  # noqa: B018 - the change fails after the enqueue
    # when the pending jobs run
    await run_pending_jobs()
    # then nothing ran: the job never existed
    assert await nickname(member.id) == "before"
    # control: a committed one does run
    async with in_transaction():
        await enqueue("tests.rename_member", member_id=member.id, nickname="control")
    await run_pending_jobs()
    assert await nickname(member.id) == "control"


async def test_a_job_due_later_waits_for_its_time():
    member = await make_member(nickname="before")
    async with in_transaction():
        await enqueue(
            "tests.rename_member",
            run_after=datetime.now(UTC) + timedelta(hours=1),
            member_id=member.id,
            nickname="later",
        )
        await enqueue("tests.rename_member", member_id=member.id, nickname="now")
    await run_pending_jobs()
    assert await nickname(member.id) == "now"


async def test_a_failing_job_does_not_stop_the_others():
    member = await make_member(nickname="before")
    async with in_transaction():
        await enqueue("tests.always_fails", reason="receiver down")
        await enqueue("tests.rename_member", member_id=member.id, nickname="after")
    await run_pending_jobs()
    assert await nickname(member.id) == "after"


async def test_an_unknown_task_or_unreadable_arguments_fail_at_enqueue():
    with pytest.raises(LookupError):
        await enqueue("tests.no_such_task")
    with pytest.raises(TypeError):
        await enqueue("tests.rename_member", member_id=object(), nickname="x")
    with pytest.raises(ValueError):
        await enqueue(
            "tests.rename_member", run_after=datetime(2030, 1, 1), member_id=1, nickname="x"
        )
