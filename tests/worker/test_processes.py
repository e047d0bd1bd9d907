"""Real worker processes: two of them share the jobs and never run one job twice at once; a
worker killed with -9 in the middle of a job leaves it to be run again; the embedded worker of
``koc serve`` on SQLite runs the job a request started and delivers webhooks."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise.transactions import in_transaction

from koc.db import execute, fetch
from koc.worker import enqueue
from tests.conftest import engine_name, gid
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.live import ADMIN_PASSWORD, koc_env, live_koc
from tests.worker.process_tasks import TABLE

pytestmark = pytest.mark.usefixtures("app")


@contextmanager
def worker_process(database_url: str, log: Path, **env: str):
    """``python -m tests.worker.process_tasks`` (koc worker with the test tasks) until the
    block ends (SIGTERM) unless the test killed it first."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.worker.process_tasks", database_url],
            env=koc_env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


async def runs() -> list[tuple[int, int, str, float]]:
    return [tuple(r) for r in await fetch("SELECT n, pid, event, at FROM test_worker_run")]  # type: ignore[misc]


def tail(log: Path) -> str:
    return log.read_text()[-3000:]


async def wait_for(condition: Any, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, tail(log)
        await asyncio.sleep(0.1)


@pytest.fixture
async def run_table() -> Any:
    await execute(TABLE, [])
    await execute("DELETE FROM test_worker_run", [])
    yield
    await execute("DELETE FROM test_worker_run", [])


@pytest.mark.skipif(engine_name() == "sqlite", reason="many workers: PostgreSQL's (SQLite has one)")
async def test_two_workers_share_the_jobs_and_never_run_one_twice(
    settings, run_table, tmp_path: Path
) -> None:
    jobs = 200
    async with in_transaction():
        for n in range(jobs):
            await enqueue("tests.process.short", n=n)
    log = tmp_path / "workers.log"
    with (
        worker_process(settings.database_url, log),
        worker_process(settings.database_url, log),
    ):

        async def all_ended() -> bool:
            return sum(1 for r in await runs() if r[2] == "end") >= jobs

        await wait_for(all_ended, 120, log)
    rows = await runs()
    starts = Counter(n for n, _, event, _ in rows if event == "start")
    # each job ran exactly once (so never twice at once), and both workers took a share
    assert starts == Counter(range(jobs))
    by_pid = Counter(pid for _, pid, event, _ in rows if event == "start")
    assert len(by_pid) == 2 and min(by_pid.values()) > 0, by_pid


async def test_a_job_whose_worker_was_killed_runs_again_after_a_restart(
    settings, run_table, tmp_path: Path
) -> None:
    log = tmp_path / "killed.log"
    heartbeat = {"KOC_WORKER_HEARTBEAT_SECONDS": "2"}
    async with in_transaction():
        await enqueue("tests.process.stuck_once", n=7)

    async def started(times: int) -> bool:
        return sum(1 for r in await runs() if r[2] == "start") >= times

    # given a worker in the middle of the job
    with worker_process(settings.database_url, log, **heartbeat) as first:
        await wait_for(lambda: started(1), 60, log)
        # when it is killed with -9
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
    # then a worker started afterwards runs the job again, to its end
    with worker_process(settings.database_url, log, **heartbeat):

        async def ended() -> bool:
            return any(r[2] == "end" for r in await runs())

        await wait_for(ended, 60, log)
    events = [(n, event) for n, _, event, _ in sorted(await runs(), key=lambda r: r[3])]
    assert events == [(7, "start"), (7, "start"), (7, "end")]


TAG_GROUP = """mutation { tagGroupCreate(input: {name: "Region", family: SOCIAL}) {
  tagGroup { id } } }"""
TAG = """mutation($g: ID!) { tagCreate(input: {groupId: $g, name: "Shanghai"}) { tag { id } } }"""
TAG_ALL = """mutation($t: ID!) { memberTagsAdd(input: {filter: {}, tagIds: [$t]}) {
  matchedCount job { id status } errors { code } } }"""
JOB = """query($id: ID!) { job(id: $id) { status summary } }"""
SUBSCRIBE = """mutation($input: WebhookSubscriptionCreateInput!) {
  webhookSubscriptionCreate(input: $input) { errors { code message } } }"""
BADGE = """mutation($input: BadgeCreateInput!) { badgeCreate(input: $input) {
  badge { id } errors { code } } }"""
AWARD = """mutation($input: BadgeAwardInput!) { badgeAward(input: $input) { errors { code } } }"""
LOGIN = """mutation($p: String!) { staffLogin(username: "admin", password: $p) {
  session { accessToken } } }"""


@pytest.mark.skipif(engine_name() == "postgres", reason="SQLite's embedded worker")
async def test_the_embedded_worker_runs_the_job_a_request_started_and_delivers_webhooks(
    tmp_path: Path, wechat_server: Any
) -> None:
    receiver = WebhookReceiver().start()
    path = tmp_path / "live.sqlite3"
    local = {"KOC_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true", "KOC_WEBHOOK_ALLOW_HTTP": "true"}
    with live_koc(tmp_path, wechat_server.base_url, f"sqlite://{path}", **local) as base:
        con = sqlite3.connect(path)
        con.executemany(
            'INSERT INTO "member" (nickname, avatar_url, gender, region, source_channel, '
            "order_count, created_at) VALUES (?, '', 'UNKNOWN', '', '', 0, "
            "'2026-01-01 00:00:00+00:00')",
            [(f"m{i}",) for i in range(25)],
        )
        con.commit()
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:

            async def gql(query: str, **variables: Any) -> dict[str, Any]:
                response = await http.post(
                    "/graphql", json={"query": query, "variables": variables}, headers=headers
                )
                return response.json()["data"]

            headers: dict[str, str] = {}
            token = (await gql(LOGIN, p=ADMIN_PASSWORD))["staffLogin"]["session"]["accessToken"]
            headers["Authorization"] = f"Bearer {token}"
            group = (await gql(TAG_GROUP))["tagGroupCreate"]["tagGroup"]["id"]
            tag = (await gql(TAG, g=group))["tagCreate"]["tag"]["id"]
            # when a request starts a tag change over every member
            started = (await gql(TAG_ALL, t=tag))["memberTagsAdd"]
            assert (started["matchedCount"], started["errors"]) == (25, [])
            # then koc serve's own worker runs it: no other process is there
            deadline = time.monotonic() + 30
            while (job := (await gql(JOB, id=started["job"]["id"]))["job"])["status"] != "DONE":
                assert job["status"] in ("QUEUED", "RUNNING"), job
                assert time.monotonic() < deadline, tail(tmp_path / "serve.log")
                await asyncio.sleep(0.1)
            assert job["summary"] == "25 tag assignments added to 25 members"
            assert con.execute("SELECT COUNT(*) FROM member_tag").fetchone()[0] == 25
            # when a partner's receiver subscribes and staff award a member a badge
            hook = {"url": receiver.url, "eventTypes": ["BADGE_AWARDED"]}
            assert (await gql(SUBSCRIBE, input=hook))["webhookSubscriptionCreate"]["errors"] == []
            badge = (await gql(BADGE, input={"code": "EARLY", "name": "Early"}))["badgeCreate"]
            award = {"memberId": gid("Member", 1), "badgeId": badge["badge"]["id"], "reason": "x"}
            assert (await gql(AWARD, input=award))["badgeAward"]["errors"] == []
            # then koc serve's worker delivers badge.awarded, with no other process there
            deadline = time.monotonic() + 30
            while not receiver.received:
                assert time.monotonic() < deadline, tail(tmp_path / "serve.log")
                await asyncio.sleep(0.1)
        receiver.stop()
        [delivery] = receiver.received
        assert json.loads(delivery.body)["type"] == "badge.awarded"
        assert delivery.headers["webhook-id"].startswith("evt_")
