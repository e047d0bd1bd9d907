"""Whole reports in a worker process of their own (SQLite): their Python off this process's GIL.

The report thread (``koc.sqlite.ReportThread``) takes a report off the serving loop, but its
Python still shares this process's GIL: while a report completes thousands of fields, the
serving loop waits up to a switch interval for each turn. Here the same execution runs in
another process, on the other core: a ``ProcessPoolExecutor`` (``spawn``) of
``KOC_REPORT_PROCESSES`` processes, started by the app's lifespan (or the next report after a
crash); a report's time limit begins once they are up (``ready``). Each sets up Tortoise on the
same file and the schema once, then answers report after report, one at a time, exactly as a
koc process would run it on its report thread (``koc.db.off_loop``: a read-only connection of
its own on a thread of its own). The one write a report makes, the access records of its
unmasked reads, is not made there: the records are collected and sent back, and the serving
process writes them on its own writer before it sends the answer (``write_access``), so a
report process opens no writer connection, which at a lower CPU priority could hold the write
lock while descheduled. What crosses between the processes is plain data: the document,
variables, the caller and the request's address going there; the JSON answer as the HTTP view
would shape it, the status and headers set on the response, the operation for the request's
record and the access records coming back. A report past the execution
time limit is stopped by the child itself (the deadline travels with it); a child that dies
gives its callers a 503 with ``REPORT_INTERRUPTED``, and the next report starts a new pool.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from koc.access import RequestRecord, current_request
from koc.auth.viewer import Viewer
from koc.dbfaults import FAULT_MESSAGES, RETRY_AFTER_SECONDS, database_fault
from koc.logs import request_id
from koc.settings import Settings

if TYPE_CHECKING:
    from koc.graphql.context import Context

logger = logging.getLogger(__name__)

REPORT_NICENESS = 10
REPORT_INTERRUPTED = "REPORT_INTERRUPTED"
INTERRUPTED_MESSAGE = "The report stopped before it answered (its worker process ended); retry."

# What a report's context may read of its request (the caller's address, headers, URL): the
# plain parts of the ASGI scope, not the app or the router.
SCOPE_KEYS = (
    "type",
    "asgi",
    "http_version",
    "method",
    "scheme",
    "server",
    "client",
    "root_path",
    "path",
    "raw_path",
    "query_string",
    "headers",
)


@dataclass(frozen=True)
class ReportJob:
    """One report to run, as plain data."""

    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None
    viewer: Viewer
    scope: dict[str, Any]
    request_id: str | None
    deadline: float  # time.time() after which the report is stopped


@dataclass(frozen=True)
class ReportAnswer:
    """What the report's execution left: the JSON answer (None: stopped at the deadline), the
    status and headers it set on the response, and what ``RecordOperation`` learned."""

    response: GraphQLHTTPResponse | None
    status_code: int | None
    headers: list[tuple[str, str]]
    operation_type: str | None
    operation: str | None
    fields: list[str]
    pid: int  # the report process that answered
    # the field values of the access records of its unmasked reads, for the serving process
    # to write (``koc.privacy.access.write_records``)
    access_records: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class AnsweredElsewhere(ExecutionResult):
    """An execution whose JSON answer was made in a report process, already as the view
    shapes it (``public_response``)."""

    response: GraphQLHTTPResponse = field(default_factory=lambda: GraphQLHTTPResponse(data=None))


class ReportInterrupted(Exception):
    """The report's process ended (killed, out of memory) before it answered."""


def job_for(
    context: Context,
    query: str,
    variables: Any,
    operation_name: str | None,
    extensions: Any,
    timeout: float,
) -> ReportJob:
    """The report ``query`` of this request as a job, due within ``timeout`` seconds."""
    scope = context.request.scope
    return ReportJob(
        query=query,
        variables=variables,
        operation_name=operation_name,
        extensions=extensions,
        viewer=context.viewer,
        scope={key: scope[key] for key in SCOPE_KEYS if key in scope},
        request_id=request_id.get(),
        deadline=time.time() + timeout,
    )


def apply(answer: ReportAnswer, response: Response) -> AnsweredElsewhere:
    """Set on this process's response and request record what the report set on its own."""
    if answer.status_code is not None:
        response.status_code = answer.status_code
    for name, value in answer.headers:
        response.headers[name] = value
    record = current_request.get()
    if record is not None and answer.operation_type is not None:
        record.operation_type = answer.operation_type
        record.operation = answer.operation
        record.fields = answer.fields
    assert answer.response is not None, "a report stopped at its deadline is a TIMEOUT"
    return AnsweredElsewhere(data=None, errors=None, response=answer.response)


async def write_access(
    answer: ReportAnswer, response: Response, *, development: bool
) -> ExecutionResult | None:
    """Write, on this process's writer, the access records of the report's unmasked reads,
    before its answer is sent; None once written. When the write fails, the answer to send
    instead: the report's data, which holds the values whose reads are not on record, is
    withheld, as on the report thread the failed write fails the fields read; a database fault
    is a 503 with its code and ``Retry-After``, as ``DatabaseFaults`` gives it there, anything
    else the error of a bug (masked outside development, as ``MaskUnexpectedErrors`` does)."""
    from koc.privacy.access import write_records

    try:
        await write_records(answer.access_records)
    except Exception as exc:
        fault = database_fault(exc)
        if fault is None:
            from koc.graphql.schema import MaskUnexpectedErrors

            logger.exception("The access records of a report could not be written")
            error = GraphQLError(str(exc))
            if not development:
                error = MaskUnexpectedErrors().anonymise_error(error)
            return ExecutionResult(data=None, errors=[error])
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        error = GraphQLError(FAULT_MESSAGES[fault], extensions={"code": fault})
        return ExecutionResult(data=None, errors=[error])
    return None


class ReportProcesses:
    """The worker processes of one koc process where whole reports run, started on the first
    report; a broken pool (a child died) is replaced by the next report."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool: ProcessPoolExecutor | None = None
        self._pids: set[int] = set()
        self._warm_up: list[Future[int]] = []

    def start(self) -> ProcessPoolExecutor:
        """The pool, started if it is not: each of its processes starts at once on a no-op job
        (imports, Tortoise set up: seconds on a busy machine), awaited by ``ready``."""
        if self._pool is None:
            self._pids = set()
            self._pool = ProcessPoolExecutor(
                max_workers=self.settings.report_processes,
                # A fork would copy this process's threads' locks and its open connections.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(self.settings, os.getpid()),
            )
            # One job per process: a job finding no idle process starts one.
            self._warm_up = [
                self._pool.submit(_ready) for _ in range(self.settings.report_processes)
            ]
        return self._pool

    async def ready(self) -> None:
        """Wait until the pool's processes have started (started by the app's lifespan, or
        here): their start does not count against a report's time limit. ``ReportInterrupted``
        when one died starting."""
        pool = self.start()
        try:
            for started in self._warm_up:
                await asyncio.shield(asyncio.wrap_future(started))
        except BrokenProcessPool as exc:
            self._broken(pool, exc)

    def _broken(self, pool: ProcessPoolExecutor, exc: BrokenProcessPool) -> NoReturn:
        if self._pool is pool:
            self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
        logger.error("A report process ended before it answered: %s", exc)
        raise ReportInterrupted(INTERRUPTED_MESSAGE) from exc

    async def answer(self, job: ReportJob) -> ReportAnswer:
        """The answer of ``job`` from a report process; ``ReportInterrupted`` when it died."""
        pool = self.start()
        try:
            answer = await asyncio.get_running_loop().run_in_executor(pool, _run, job)
        except BrokenProcessPool as exc:
            self._broken(pool, exc)
        if self._pool is pool:
            self._pids.add(answer.pid)
        return answer

    def pids(self) -> list[int]:
        """The process ids of the current pool's processes that have answered a report."""
        return sorted(self._pids)

    async def close(self) -> None:
        """Stop the processes: reports not started are dropped, a running one is awaited (it
        stops at its deadline at the latest)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)


# ---- In the report process ----------------------------------------------------------------


class _Child:
    """A report process's state: its event loop, with Tortoise set up on the file and the
    schema loaded, and the services a context holds."""

    def __init__(self, settings: Settings) -> None:
        from tortoise import Tortoise

        from koc.auth.wechat import WeChatClient
        from koc.db import tortoise_config
        from koc.graphql.schema import schema
        from koc.logs import configure_logging
        from koc.privacy import logs
        from koc.security.ratelimit import rate_limiter_for
        from koc.tasks import register_all
        from koc.wiring import connect_all

        logs.install()
        configure_logging(settings)
        # As koc.app.create_app: a report that publishes an event or queues a task finds the
        # same handlers and tasks here as in the serving process.
        connect_all()
        register_all()
        self.settings = settings
        self.schema = schema
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)

        async def set_up() -> contextvars.Context:
            await Tortoise.init(config=tortoise_config(settings.database_url))
            return contextvars.copy_context()

        # Tortoise keeps what it set up in context variables: every report runs in a copy of
        # the context it was set up in.
        self.context = self.loop.run_until_complete(set_up())
        gc.freeze()  # as the serving process: start-up objects leave the collector's scans
        # Staff, the only callers sent here, are not rate limited and reports call no WeChat
        # API; a context has them all the same.
        self.wechat = WeChatClient(
            settings.wechat_api_base,
            settings.wechat_appid,
            settings.wechat_secret,
            settings.wechat_timeout_seconds,
        )
        self.rate_limiter = rate_limiter_for(settings)

    async def answer(self, job: ReportJob) -> ReportAnswer:
        from koc.db import off_loop
        from koc.graphql.context import Context
        from koc.privacy.access import collecting_records
        from koc.security.graphql.extensions import public_response

        request_id.set(job.request_id)
        record = RequestRecord(job.request_id or "-")
        current_request.set(record)
        response = Response()
        response.status_code = None  # type: ignore[assignment]  # as strawberry's sub-response
        del response.headers["content-length"]
        context = Context(
            request=Request({**job.scope, "state": {"viewer": job.viewer}}),
            response=response,
            settings=self.settings,
            viewer=job.viewer,
            wechat=self.wechat,
            rate_limiter=self.rate_limiter,
        )

        def execute() -> Any:
            return self.schema.execute(
                job.query,
                variable_values=job.variables,
                context_value=context,
                operation_name=job.operation_name,
                allowed_operation_types=OperationType.from_http(job.scope.get("method", "POST")),
                operation_extensions=job.extensions,
            )

        shaped: GraphQLHTTPResponse | None = None
        if job.deadline <= time.time():  # it waited past its deadline: it does not start
            return self._answer(None, response, record, [])
        # The access records of its unmasked reads are collected, not written: the serving
        # process writes them (``write_access``).
        with collecting_records() as access_records:
            try:
                async with asyncio.timeout(job.deadline - time.time()):
                    # The report thread of this process, as in the serving process: a read-only
                    # connection of its own.
                    result = await off_loop(execute)
                shaped = public_response(result, development=self.settings.is_development)
            except TimeoutError:
                shaped = None
        return self._answer(shaped, response, record, access_records)

    @staticmethod
    def _answer(
        shaped: GraphQLHTTPResponse | None,
        response: Response,
        record: RequestRecord,
        access_records: list[dict[str, Any]],
    ) -> ReportAnswer:
        return ReportAnswer(
            response=shaped,
            status_code=response.status_code,
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw],
            operation_type=record.operation_type,
            operation=record.operation,
            fields=record.fields,
            pid=os.getpid(),
            access_records=access_records,
        )


_child: _Child | None = None


def _start(settings: Settings, parent: int) -> None:
    global _child
    # Ctrl-C reaches the whole process group: the serving process closes the pool in its
    # lifespan; this process must not die first with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A parent killed outright (SIGKILL, out of memory) closes no pool: this process ends
    # when it sees its parent gone rather than live on with its connections to the file.
    threading.Thread(target=_end_with, args=(parent,), name="koc-parent-watch", daemon=True).start()
    _child = _Child(settings)
    # A lower CPU priority than the serving process, once set up (its start, which a report
    # may be waiting for, runs at the serving process's): where every core is busy, requests
    # get the CPU first and the reports what is left, as the password hashes do
    # (koc.auth.passwords). Threads made later (the report thread) inherit it.
    if hasattr(os, "nice"):
        os.nice(REPORT_NICENESS)


PARENT_CHECK_SECONDS = 0.5


def _end_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _ready() -> int:
    return os.getpid()


def _run(job: ReportJob) -> ReportAnswer:
    assert _child is not None, "the pool's initializer sets up the process"
    task = _child.loop.create_task(_child.answer(job), context=_child.context.copy())
    return _child.loop.run_until_complete(task)
