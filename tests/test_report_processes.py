"""On a SQLite file, staff's reports run whole in a worker process of their own
(``koc.graphql.reportproc``): the same answer, byte for byte, as on the report thread; the
serving process answers other requests while one runs; the time limit still stops it; a child
that dies is a 503 and the next report starts a new one."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from koc.auth.models import PartnerScope, StaffRole
from koc.auth.viewer import StaffViewer
from koc.creators.models import MemberSignals
from koc.graphql.reportproc import ReportJob, ReportProcesses
from koc.members.models import Member
from koc.privacy.models import AccessRecord
from tests.conftest import engine_name
from tests.referrals.helpers import bind, code_of, record_order
from tests.surveys.helpers import RESULTS, full_answers, open_survey, respond

pytestmark = pytest.mark.skipif(
    engine_name() != "sqlite", reason="report processes open the SQLite file"
)

CANDIDATES = """
query($first: Int!) { kocCandidates(first: $first) { totalCount
  edges { cursor node { score member { nickname phone } } } pageInfo { hasNextPage } } }"""
REPORT = """
query($groupBy: ReferralGroupBy!, $from: DateTime!, $to: DateTime!) {
  referralReport(from: $from, to: $to, groupBy: $groupBy) {
    totals { orders referredOrders orderShare revenueCents referredRevenueCents revenueShare }
    rows { key orders referredOrders revenueCents referrer { id nickname } }
    funnel { bindings leads testDrives deposits orders } } }"""
LEADERBOARD = """
query($period: ReferralPeriod!) { referralLeaderboard(period: $period, first: 5) {
  rank conversions referredRevenueCents referrer { id } } }"""
TREE = """
query($m: ID!) { referralTree(member: $m, depth: 3) { truncated
  nodes { depth parentId milestone revenueCents broughtRevenueCents member { id } } } }"""
HOME = "{ me { nickname } }"
SMALL_REPORT = "{ kocCandidates(first: 5) { totalCount } }"


async def thread_then_process(
    app: Any, processes: ReportProcesses, client: Any, query: str, variables: dict, monkeypatch
) -> tuple[Any, Any]:
    """The HTTP answers of ``query`` run on the report thread, then in a report process."""
    monkeypatch.setattr(app.state.graphql, "report_processes", None)
    on_thread = await client.post(query, variables)
    monkeypatch.setattr(app.state.graphql, "report_processes", processes)
    in_process = await client.post(query, variables)
    assert processes.pids(), "the report ran in a process"
    return on_thread, in_process


def assert_same(on_thread: Any, in_process: Any) -> None:
    assert in_process.status_code == on_thread.status_code
    assert in_process.headers.get("content-type") == on_thread.headers.get("content-type")
    assert in_process.headers.get("retry-after") == on_thread.headers.get("retry-after")
    assert in_process.content == on_thread.content


async def test_every_report_answers_the_same_bytes_in_a_process_as_on_the_thread(
    app, report_processes, staff_client, member_client, partner_client, monkeypatch
) -> None:
    # Given candidates, referrals with orders, and an answered survey
    for n, score in enumerate((3.0, 5.0, 4.0)):
        member = await Member.create(nickname=f"candidate{n}", phone=f"+861370000000{n}")
        await MemberSignals.create(member=member, score_overall=score)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer, referee, other = await member_client(), await member_client(), await member_client()
    code = await code_of(referrer)
    await bind(referee, code)
    await record_order(partner, referee.member_id, 300_000_00)
    await record_order(partner, other.member_id, 2_000_00, category="accessory")
    operator = await staff_client(StaffRole.OPERATOR)
    survey = await open_survey(operator)
    assert (await respond(referee, survey["id"], full_answers(survey)))["errors"] == []
    analyst = await staff_client(StaffRole.ANALYST)
    now = datetime.now(UTC)
    year = {
        "from": (now - timedelta(days=300)).isoformat(),
        "to": (now + timedelta(days=1)).isoformat(),
    }

    # When each report root field runs on the thread and in the process, with variables
    answered = [
        (CANDIDATES, {"first": 2}),
        (REPORT, {"groupBy": "MONTH", **year}),
        (REPORT, {"groupBy": "REFERRER", **year}),
        (LEADERBOARD, {"period": "ALL_TIME"}),
        (TREE, {"m": referrer.member_gid}),
        (RESULTS, {"id": survey["id"]}),
    ]
    # and refusals: an argument out of range, a variable of the wrong type
    refused = [
        (REPORT, {"groupBy": "DAY", "from": year["to"], "to": year["from"]}),
        (CANDIDATES, {"first": "two"}),
    ]
    for query, variables in answered + refused:
        on_thread, in_process = await thread_then_process(
            app, report_processes, analyst, query, variables, monkeypatch
        )
        # Then the answers are the same, byte for byte
        assert_same(on_thread, in_process)
        body = in_process.json()
        assert ("errors" in body) is ((query, variables) in refused), body
        assert body.get("data") or body.get("errors")
    first = (await analyst.execute(CANDIDATES, {"first": 2}))["kocCandidates"]
    assert first["totalCount"] >= 3 and len(first["edges"]) == 2


async def test_the_serving_process_answers_while_its_report_process_works(
    reports_in_processes, staff_client, member_client
) -> None:
    # Given a report process, running
    staff = await staff_client(StaffRole.ANALYST)
    member = await member_client(nickname="home")
    await staff.execute(SMALL_REPORT)
    [pid] = reports_in_processes.pids()
    # When it is held still while a report waits on it
    os.kill(pid, signal.SIGSTOP)
    try:
        report = asyncio.create_task(staff.post(SMALL_REPORT))
        # Then the home query is answered meanwhile, and the report is not
        for _ in range(3):
            assert (await member.execute(HOME))["me"]["nickname"] == "home"
        assert not report.done()
    finally:
        os.kill(pid, signal.SIGCONT)
    # and once the process goes on, the report answers
    response = await report
    assert response.status_code == 200
    assert response.json() == {"data": {"kocCandidates": {"totalCount": 0}}}


async def test_a_report_past_the_time_limit_is_stopped_with_timeout(
    app, reports_in_processes, staff_client, monkeypatch
) -> None:
    staff = await staff_client(StaffRole.ANALYST)
    view = app.state.graphql
    # Given a time limit shorter than any report
    monkeypatch.setattr(
        view, "settings", view.settings.model_copy(update={"execution_timeout_seconds": 1e-6})
    )
    # When staff ask for a report
    response = await staff.post(SMALL_REPORT)
    # Then it is stopped, as on the thread
    assert response.status_code == 503
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "TIMEOUT"}
    assert "did not finish within 1e-06 s" in error["message"]


async def test_the_report_process_stops_a_report_whose_deadline_passed(
    app, reports_in_processes, staff_client
) -> None:
    # Given a report whose deadline passed while it waited for the process
    staff = await staff_client(StaffRole.ANALYST)
    assert staff.staff_id is not None
    job = ReportJob(
        query=SMALL_REPORT,
        variables=None,
        operation_name=None,
        extensions=None,
        viewer=StaffViewer(staff.staff_id, "analyst", StaffRole.ANALYST),
        scope={"type": "http", "method": "POST", "path": "/graphql", "headers": []},
        request_id="late",
        deadline=time.time() - 1,
    )
    # When the process takes it, it does not run it
    answer = await reports_in_processes.answer(job)
    assert answer.response is None
    assert answer.operation_type is None  # its execution never began
    # and the next report runs
    job = dataclasses.replace(job, deadline=time.time() + 30)
    answer = await reports_in_processes.answer(job)
    assert answer.response == {"data": {"kocCandidates": {"totalCount": 0}}}


async def test_a_report_process_that_dies_is_a_503_and_the_next_report_gets_a_new_one(
    reports_in_processes, staff_client
) -> None:
    staff = await staff_client(StaffRole.ANALYST)
    await staff.execute(SMALL_REPORT)
    [pid] = reports_in_processes.pids()
    # Given a report waiting on its process
    os.kill(pid, signal.SIGSTOP)
    report = asyncio.create_task(staff.post(SMALL_REPORT))
    await asyncio.sleep(0.1)
    # When the process is killed
    os.kill(pid, signal.SIGKILL)
    # Then the report is a retryable 503 that says so
    response = await report
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["errors"][0]["extensions"] == {"code": "REPORT_INTERRUPTED"}
    # and the next report is answered by a new process
    assert await staff.execute(SMALL_REPORT) == {"kocCandidates": {"totalCount": 0}}
    assert reports_in_processes.pids() not in ([], [pid])


async def test_the_start_of_the_report_processes_does_not_count_against_the_time_limit(
    app, settings, staff_client, monkeypatch
) -> None:
    # Given report processes not started yet (their start takes a second or more) and a time
    # limit shorter than that
    processes = ReportProcesses(settings.model_copy(update={"report_processes": 1}))
    view = app.state.graphql
    monkeypatch.setattr(view, "report_processes", processes)
    monkeypatch.setattr(
        view, "settings", view.settings.model_copy(update={"execution_timeout_seconds": 1.0})
    )
    staff = await staff_client(StaffRole.ANALYST)
    try:
        # When staff ask for the first report
        response = await staff.post(SMALL_REPORT)
    finally:
        await processes.close()
    # Then it is answered: only the report counts against the limit
    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"kocCandidates": {"totalCount": 0}}}
    assert processes.pids()


async def test_ctrl_c_to_the_process_group_leaves_the_report_process_to_the_lifespan(
    reports_in_processes, staff_client
) -> None:
    staff = await staff_client(StaffRole.ANALYST)
    await staff.execute(SMALL_REPORT)
    [pid] = reports_in_processes.pids()
    # When the report process gets a SIGINT (Ctrl-C in a terminal reaches the whole group)
    os.kill(pid, signal.SIGINT)
    await asyncio.sleep(0.2)
    # Then it lives on and answers the next report
    assert await staff.execute(SMALL_REPORT) == {"kocCandidates": {"totalCount": 0}}
    assert reports_in_processes.pids() == [pid]


PARENT = """
import os, pickle, sys
from koc.graphql.reportproc import ReportProcesses

processes = ReportProcesses(pickle.load(sys.stdin.buffer))
print(processes.start().submit(os.getpid).result(), flush=True)
sys.stdin.read()  # until killed
"""


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie no one reaps has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_report_process_ends_when_its_parent_is_killed_outright(settings) -> None:
    # Given a koc process with a started report process
    with subprocess.Popen(
        [sys.executable, "-c", PARENT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as parent:
        assert parent.stdin is not None and parent.stdout is not None
        try:
            parent.stdin.write(pickle.dumps(settings.model_copy(update={"report_processes": 1})))
            parent.stdin.flush()
            child = int(parent.stdout.readline())
            assert running(child)
            # When the koc process is killed outright (no lifespan closes the pool)
            parent.kill()
            parent.wait()
            # Then its report process ends within seconds, rather than live on under PID 1
            for _ in range(100):
                if not running(child):
                    break
                time.sleep(0.1)
            assert not running(child)
        finally:
            parent.kill()


UNMASKED = (
    '{ kocCandidates(first: 5) { edges { node { member { phoneUnmasked(reason: "Call") } } } } }'
)


def database_path(settings: Any) -> Path:
    return Path(settings.database_url.removeprefix("sqlite://"))


def opened_for_writing(pid: int, path: Path) -> list[str]:
    """The descriptors by which process ``pid`` holds the file ``path`` open for writing."""
    writable = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if Path(os.readlink(fd)) != path.resolve():
                continue
            flags = int(Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text().split()[3], 8)
        except OSError:
            continue
        if flags & (os.O_WRONLY | os.O_RDWR):
            writable.append(fd.name)
    return writable


@pytest.mark.skipif(not Path("/proc/self/fdinfo").exists(), reason="reads /proc")
async def test_a_reports_access_records_are_written_by_the_serving_process(
    app, report_processes, staff_client, settings, monkeypatch
) -> None:
    # Given candidates with phone numbers
    for n in range(3):
        candidate = await Member.create(nickname=f"c{n}", phone=f"+861370000000{n}")
        await MemberSignals.create(member=candidate, score_overall=float(n))
    admin = await staff_client(StaffRole.ADMIN, username="ada")
    columns = ("member_id", "field", "reason", "staff_id", "partner_id", "actor")

    # When staff read them unmasked in a report, on the report thread, then in a report process
    on_thread, in_process = await thread_then_process(
        app, report_processes, admin, UNMASKED, {}, monkeypatch
    )
    assert_same(on_thread, in_process)
    rows = await AccessRecord.all().order_by("id").values_list(*columns)

    # Then both wrote the same records, one per read
    assert len(rows) == 6
    assert rows[3:] == rows[:3]
    # and the report process never opened the database file for writing: the serving process
    # wrote its records
    (pid,) = report_processes.pids()
    assert opened_for_writing(pid, database_path(settings)) == []


async def test_a_reports_access_records_not_written_is_the_same_503_as_on_the_thread(
    app, report_processes, staff_client, settings, monkeypatch
) -> None:
    # Given a candidate with a phone number, and another process holding the write lock
    candidate = await Member.create(nickname="candidate", phone="+8613700000009")
    await MemberSignals.create(member=candidate, score_overall=5.0)
    admin = await staff_client(StaffRole.ADMIN, username="ada")
    await report_processes.ready()
    # (a time limit longer than the writer waits for the lock: 5 s by default)
    longer = settings.model_copy(update={"execution_timeout_seconds": 30})
    monkeypatch.setattr(app.state.graphql, "settings", longer)
    other = sqlite3.connect(database_path(settings), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        # When staff read it unmasked in a report, on the report thread, then in a process
        on_thread, in_process = await thread_then_process(
            app, report_processes, admin, UNMASKED, {}, monkeypatch
        )
    finally:
        other.execute("ROLLBACK")
        other.close()

    # Then neither sends the phone whose read is not on record: a 503 with the same code
    for answer in (on_thread, in_process):
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "1"
        body = answer.json()
        assert [e["extensions"]["code"] for e in body["errors"]] == ["DATABASE_BUSY"]
        assert "+8613700000009" not in answer.text
    assert await AccessRecord.all().count() == 0


async def test_a_reports_access_records_refused_are_the_same_masked_error_as_on_the_thread(
    app, report_processes, staff_client, settings, monkeypatch
) -> None:
    # Given a candidate with a phone number, and a database that refuses access records
    candidate = await Member.create(nickname="candidate", phone="+8613700000009")
    await MemberSignals.create(member=candidate, score_overall=5.0)
    admin = await staff_client(StaffRole.ADMIN, username="ada")
    with sqlite3.connect(database_path(settings), isolation_level=None) as db:
        db.execute(
            "CREATE TRIGGER refuse_access BEFORE INSERT ON privacy_access_record "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    try:
        # When staff read it unmasked in a report, on the report thread, then in a process
        on_thread, in_process = await thread_then_process(
            app, report_processes, admin, UNMASKED, {}, monkeypatch
        )
    finally:
        with sqlite3.connect(database_path(settings), isolation_level=None) as db:
            db.execute("DROP TRIGGER refuse_access")

    # Then neither sends the phone whose read is not on record, nor a 500: the masked error
    for answer in (on_thread, in_process):
        assert answer.status_code == on_thread.status_code != 500
        codes = [e["extensions"]["code"] for e in answer.json()["errors"]]
        assert codes == ["INTERNAL_SERVER_ERROR"]
        assert "+8613700000009" not in answer.text
    assert await AccessRecord.all().count() == 0
