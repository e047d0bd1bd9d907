"""Long reads (reports) run off the event loop: while one scans, the process goes on serving.

On SQLite koc runs statements on the loop's thread (koc.sqlite); a report's scan would stop
every other request of the worker for its duration. ``koc.db.long_reads`` sends them to a
read-only connection answered on a thread of its own, and an operation asking only for
reports runs whole (its Python too) on the report thread (``koc.db.off_loop``), or, for staff on
a SQLite file, in a report process (``koc.graphql.reportproc``; more in
tests/test_report_processes.py).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import pytest
from tortoise.transactions import in_transaction

from koc.auth.models import StaffRole
from koc.creators.graphql.types import KocCandidate
from koc.creators.models import MemberSignals
from koc.db import fetch, long_reads
from koc.members.models import Member
from koc.privacy.models import AccessRecord
from koc.sqlite import ReadOnlySqliteClient
from tests.conftest import engine_name

# A statement that keeps the database busy for a while and needs no data: counting to N.
SLOW = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1500000) "
    "SELECT COUNT(*) FROM c"
)


async def ticks_during(work) -> tuple[int, float, object]:  # type: ignore[no-untyped-def]
    """How often a 1 ms timer got to run on the loop while ``work`` ran, its time and result."""
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.001)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.perf_counter()
    result = await work()
    elapsed = time.perf_counter() - started
    done.set()
    await task
    return ticks, elapsed, result


async def test_a_long_read_leaves_the_loop_free_for_other_requests(app) -> None:
    # Given a statement that takes a while
    async def slow() -> object:
        return (await fetch(SLOW))[0][0]

    async def slow_off_loop() -> object:
        async with long_reads():
            return await slow()

    # When it runs as a long read, the loop keeps running other work meanwhile
    ticks, elapsed, result = await ticks_during(slow_off_loop)
    assert result == 1_500_000
    assert ticks >= max(3, int(elapsed / 0.001 / 20)), (ticks, elapsed)
    # whereas on SQLite the same statement run inline holds the loop the whole time
    if engine_name() == "sqlite":
        ticks, elapsed, result = await ticks_during(slow)
        assert result == 1_500_000 and ticks <= 1, (ticks, elapsed)


async def test_a_long_read_sees_what_was_committed_and_what_its_transaction_wrote(app) -> None:
    # Given a member committed before the read
    before = await Member.create(nickname="committed")
    async with long_reads():
        found = await fetch("SELECT nickname FROM member WHERE id = ?", [before.id])
    assert found == [("committed",)]
    # When a long read runs inside a transaction, it reads that transaction's own writes
    async with in_transaction():
        inside = await Member.create(nickname="not yet committed")
        async with long_reads():
            found = await fetch("SELECT nickname FROM member WHERE id = ?", [inside.id])
        assert found == [("not yet committed",)]


# A report whose own Python (rows made objects, its answer) takes a while: one candidate,
# made slow to shape. Asked alone it is a report and runs on the report thread; asked beside
# a field that is no report (__typename), the same resolver runs on the serving loop.
REPORT = "{ kocCandidates(first: 5) { totalCount edges { node { member { nickname } } } } }"
INLINE = (
    "{ __typename kocCandidates(first: 5) { totalCount edges { node { member { nickname } } } } }"
)
HOME = "{ me { nickname } }"
SHAPING_SECONDS = 1.5


async def homes_answered_while_shaping(report: str, staff, member, monkeypatch) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    """How many home queries, sent one after another from the moment the report's shaping
    starts, were answered before it ended; and the report's answer."""
    shaping = threading.Event()
    shaped = threading.Event()
    make = KocCandidate.from_model

    def slow_from_model(row, role):  # type: ignore[no-untyped-def]
        shaping.set()
        deadline = time.perf_counter() + SHAPING_SECONDS
        while time.perf_counter() < deadline:  # Python holding the GIL, as shaping does
            pass
        shaped.set()
        return make(row, role)

    monkeypatch.setattr(KocCandidate, "from_model", staticmethod(slow_from_model))
    answered = 0

    async def homes() -> None:
        nonlocal answered
        await asyncio.to_thread(shaping.wait, 30)
        while not shaped.is_set():
            assert (await member.execute(HOME))["me"]["nickname"] == "home"
            answered += not shaped.is_set()

    data, _ = await asyncio.gather(staff.execute(report), homes())
    return answered, data


async def test_a_report_slow_to_shape_leaves_the_home_query_served(
    app, staff_client, member_client, monkeypatch
) -> None:
    # Given a candidate to rank and a member on the home screen
    candidate = await Member.create(nickname="candidate")
    await MemberSignals.create(member=candidate, score_overall=5.0)
    staff = await staff_client(StaffRole.ANALYST)
    member = await member_client(nickname="home")

    # When the report's shaping runs, home queries sent meanwhile are answered meanwhile
    answered, data = await homes_answered_while_shaping(REPORT, staff, member, monkeypatch)
    names = [e["node"]["member"]["nickname"] for e in data["kocCandidates"]["edges"]]
    assert names == ["candidate"]
    if engine_name() == "sqlite":
        assert answered >= 1
        # whereas the same report run on the serving loop answers none until it is done
        answered, data = await homes_answered_while_shaping(INLINE, staff, member, monkeypatch)
        assert data["kocCandidates"]["totalCount"] == 1 and answered == 0


@pytest.fixture(params=["report thread", "report process"])
def reports_run_on(request: pytest.FixtureRequest) -> str:
    """Each way a report leaves the serving loop: its thread, or (SQLite) its own process."""
    if request.param == "report process":
        if engine_name() != "sqlite":
            pytest.skip("report processes open the SQLite file")
        request.getfixturevalue("reports_in_processes")
    return request.param


async def test_a_report_run_off_the_loop_still_records_the_unmasked_reads(
    app, staff_client, reports_run_on
) -> None:
    # Given a candidate with a phone number
    candidate = await Member.create(nickname="candidate", phone="+8613700000009")
    await MemberSignals.create(member=candidate, score_overall=5.0)
    admin = await staff_client(StaffRole.ADMIN, username="ada")
    # When staff read it whole in the candidates report
    data = await admin.execute(
        '{ kocCandidates(first: 5) { edges { node { member { phoneUnmasked(reason: "Call") } } } } }'
    )
    assert data["kocCandidates"]["edges"][0]["node"]["member"]["phoneUnmasked"] == "+8613700000009"
    # Then the read is on record, written by this process's writer (a report process sends
    # its records back: tests/test_report_processes.py)
    records = await AccessRecord.filter(member_id=candidate.id).values_list("actor", "reason")
    assert records == [("ada", "Call")]


async def test_the_read_connection_opens_a_path_given_with_two_leading_slashes(tmp_path) -> None:
    # given a database file named as `sqlite:////abs/path` names it (a path starting with //)
    path = tmp_path / "x.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (v INTEGER)")
        db.execute("INSERT INTO t VALUES (7)")
    reader = ReadOnlySqliteClient("/" + str(path), busy_timeout=1.0, connection_name="reader")
    # when a long read runs on it
    await reader.create_connection(with_db=True)
    try:
        rows = await reader.execute_query_dict("SELECT v FROM t")
    finally:
        await reader.close()
    # then it reads the file (not "invalid uri authority")
    assert rows == [{"v": 7}]
