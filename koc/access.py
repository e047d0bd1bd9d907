"""Every HTTP request gets an id, one access line, its metrics, and a JSON answer if it crashes.

``RequestContext`` is the outermost koc middleware. It takes the caller's ``X-Request-ID``
(or makes one), returns it on the response, and keeps it in ``koc.logs.request_id`` so every
log line of the request carries it. The GraphQL view and schema fill the request's
``RequestRecord`` (caller kind, operation, result codes) as they learn them; when the response
is sent, the record becomes the access line and the metrics.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from koc import metrics
from koc.logs import request_id

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from a caller as a request id: short, and safe in a header and a log line.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")

access_logger = logging.getLogger("koc.access")
error_logger = logging.getLogger("koc.errors")


@dataclass
class RequestRecord:
    """What koc learned about one request while serving it."""

    id: str
    graphql: bool = False  # reached the GraphQL endpoint
    caller: str = "-"  # anonymous, member, staff or partner
    operation_type: str | None = None  # query or mutation
    operation: str | None = None  # the operation's name, as the client wrote it
    fields: list[str] = field(default_factory=list)  # root fields of the operation
    codes: list[str] = field(default_factory=list)  # extensions.code of each top-level error

    @property
    def result(self) -> str:
        """``OK``, or the code of the first top-level error."""
        return self.codes[0] if self.codes else "OK"

    @property
    def operation_label(self) -> str:
        """The operation for metrics: its root fields, which the schema bounds (a name the
        client chose could be anything)."""
        if not self.fields:
            return "-"
        shown = ",".join(self.fields[:3])
        return shown + (",…" if len(self.fields) > 3 else "")


current_request: ContextVar[RequestRecord | None] = ContextVar("koc_request", default=None)


def note_caller(kind: str) -> None:
    if (record := current_request.get()) is not None:
        record.graphql = True
        record.caller = kind


def note_codes(codes: Iterable[str]) -> None:
    if (record := current_request.get()) is not None:
        record.graphql = True
        record.codes.extend(codes)


def note_errors(errors: Iterable[dict]) -> None:
    """Record the code of each error of a GraphQL response."""
    note_codes(
        str((error.get("extensions") or {}).get("code") or "INTERNAL_SERVER_ERROR")
        for error in errors
    )


def _internal_error_body(rid: str) -> bytes:
    error = {
        "message": "Internal server error.",
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": rid},
    }
    return json.dumps({"errors": [error]}).encode()


class RequestContext:
    """Request id, access line, metrics; a crash becomes one logged traceback and a JSON 500
    carrying the request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID_HEADER)
        rid = given if given and VALID_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        record = RequestRecord(rid)
        id_token, record_token = request_id.set(rid), current_request.set(record)
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # The one traceback of this crash; not re-raised, so no server logs it again.
            error_logger.exception("Unexpected error")
            record.codes.append("INTERNAL_SERVER_ERROR")
            if not started:
                await send_with_id(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send_with_id(
                    {"type": "http.response.body", "body": _internal_error_body(rid)}
                )
        finally:
            duration = time.perf_counter() - start
            _log_access(scope, record, status, duration)
            if record.graphql:
                metrics.observe_graphql(
                    record.operation_label, record.caller, record.result, record.codes, duration
                )
            current_request.reset(record_token)
            request_id.reset(id_token)


def _log_access(scope: Scope, record: RequestRecord, status: int, duration: float) -> None:
    method, path = scope["method"], scope["path"]
    client = scope.get("client")
    fields: dict[str, object] = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(duration * 1000, 1),
        "client": client[0] if client else None,
    }
    message = f"{method} {path} {status} {duration * 1000:.1f}ms"
    if record.graphql:
        fields |= {
            "caller": record.caller,
            "operation_type": record.operation_type,
            "operation": record.operation,
            "fields": ",".join(record.fields),
            "result": record.result,
        }
        message += (
            f" {record.caller} {record.operation_type or '-'} {record.operation or '-'}"
            f" [{','.join(record.fields)}] {record.result}"
        )
    access_logger.info(message, extra=fields)
