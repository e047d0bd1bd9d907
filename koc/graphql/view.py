"""The HTTP endpoint: authenticate the bearer, then hand the request to strawberry.

It speaks GraphQL over HTTP as the spec says: ``application/graphql-response+json`` for
clients that accept it (with 4xx for requests that cannot run), queries only over GET (405 for
mutations), and every refusal as a GraphQL error with ``extensions.code``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
from http import HTTPStatus
from typing import Any

from cross_web import HTTPException
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult

from koc.access import note_caller, note_codes, note_errors
from koc.auth import services as auth_services
from koc.auth.services import PARTNER_TOKEN_PREFIX
from koc.auth.tokens import InvalidToken, decode_access_token
from koc.auth.viewer import Anonymous, Viewer
from koc.auth.wechat import WeChatClient
from koc.db import off_loop, reports_may_leave_process
from koc.dbfaults import FAULT_MESSAGES, RETRY_AFTER_SECONDS, database_fault
from koc.graphql.context import Context
from koc.graphql.graphiql import render_page
from koc.graphql.lean import DEFINITION
from koc.graphql.reportproc import (
    REPORT_INTERRUPTED,
    AnsweredElsewhere,
    ReportInterrupted,
    ReportProcesses,
    apply,
    job_for,
    write_access,
)
from koc.security.errors import DocumentRefused
from koc.security.graphql.extensions import public_response
from koc.security.limits import MAX_JSON_DEPTH, nested_deeper_than
from koc.security.ratelimit import RateLimiter, caller_key
from koc.security.services import resolve_document
from koc.settings import Settings

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


class Unauthenticated(Exception):
    pass


async def authenticate(settings: Settings, authorization: str | None) -> Viewer:
    """The viewer named by an ``Authorization: Bearer`` header; no header means anonymous."""
    if not authorization:
        return Anonymous()
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("Use the header 'Authorization: Bearer <token>'.")
    if token.startswith(PARTNER_TOKEN_PREFIX):
        partner = await auth_services.authenticate_partner(token)
        if partner is None:
            raise Unauthenticated("The partner token is unknown, revoked or expired.")
        return partner
    try:
        access = decode_access_token(settings, token)
    except InvalidToken as exc:
        raise Unauthenticated("The access token is invalid or expired.") from exc
    # A disabled staff account, a deleted member and an ended login (a reused refresh token)
    # lose access at once, not when the token expires.
    viewer = await auth_services.session_viewer(access)
    if viewer is None:
        raise Unauthenticated(
            "This session has ended or its account is no longer active; sign in again."
        )
    return viewer


def accept_weights(accept: str | None) -> dict[str, float]:
    """The media types of an ``Accept`` header with their ``q`` weights."""
    weights: dict[str, float] = {}
    for part in (accept or "").split(","):
        media, *params = (item.strip() for item in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media.lower()] = max(weights.get(media.lower(), 0.0), weight)
    return weights


def response_media_type(accept: str | None) -> str:
    """``application/graphql-response+json`` when the client accepts it at least as much as
    ``application/json``; otherwise (no Accept header, ``*/*``, legacy clients) JSON."""
    weights = accept_weights(accept)
    preferred = weights.get(GRAPHQL_RESPONSE_JSON, 0.0)
    return GRAPHQL_RESPONSE_JSON if preferred > 0 and preferred >= weights.get(JSON, 0.0) else JSON


def prefers_html(accept: str | None) -> bool:
    """Whether the client names ``text/html`` and prefers it to JSON: a browser, not curl's or
    a GraphQL client's ``*/*``."""
    weights = accept_weights(accept)
    html = weights.get("text/html", 0.0)
    return html > 0 and html > max(weights.get(JSON, 0.0), weights.get(GRAPHQL_RESPONSE_JSON, 0.0))


class RequestRefused(HTTPException):
    """A request refused before GraphQL runs, with its code and extra headers."""

    def __init__(
        self, status_code: int, reason: str, code: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, reason)
        self.code = code
        self.headers = headers or {}


def error_response(
    status_code: int,
    code: str,
    message: str,
    media_type: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """A request error: no ``data``, one error with ``extensions.code``."""
    note_codes([code])
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(
        json.dumps(body, separators=(",", ":")),
        status_code=status_code,
        media_type=media_type,
        headers=headers,
    )


def capped(receive: Receive, limit: int) -> Receive:
    """``receive`` refusing a body longer than ``limit`` bytes as it arrives (chunked bodies
    carry no Content-Length to check first)."""
    received = 0

    async def receive_capped() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise body_too_large(limit)
        return message

    return receive_capped


def body_too_large(limit: int) -> RequestRefused:
    return RequestRefused(
        413, f"The request body is larger than {limit:,} bytes.", "PAYLOAD_TOO_LARGE"
    )


def json_too_deep() -> RequestRefused:
    return RequestRefused(
        400,
        f"JSON may nest at most {MAX_JSON_DEPTH} levels of arrays and objects.",
        "JSON_TOO_DEEP",
    )


def is_request_error(response: GraphQLHTTPResponse) -> bool:
    """No data, and errors that belong to no field: the request never reached execution."""
    errors = response.get("errors") or []
    return response.get("data") is None and bool(errors) and all("path" not in e for e in errors)


def report_fields(schema: Any) -> frozenset[str]:
    """The root query fields declared ``long_read`` (``koc.graphql.mutations.query``): the
    reports."""
    return frozenset(
        name
        for name, field in schema._schema.query_type.fields.items()
        if any(
            getattr(extension, "long_read", False)
            for extension in field.extensions[DEFINITION].extensions
        )
    )


@functools.lru_cache(maxsize=256)
def is_report(query: str | None, operation_name: str | None, reports: frozenset[str]) -> bool:
    """Whether the operation of ``query`` to run is a query that asks only for reports: then
    the whole of it runs on the report thread (``koc.db.off_loop``), its fields' Python as well
    as its SQL. A document that names no report (the home query, ...) is not even parsed, and
    staff tools send the same few report documents again and again (hence the cache)."""
    if not query or not any(name in query for name in reports):
        return False
    try:
        document = parse(query)
    except GraphQLError:
        return False  # strawberry answers it
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name is not None and o.name.value == operation_name)
    ]
    if len(chosen) != 1 or chosen[0].operation is not OperationType.QUERY:
        return False
    fields = chosen[0].selection_set.selections
    return all(isinstance(f, FieldNode) and f.name.value in reports for f in fields)


class KocGraphQL(GraphQL):
    """strawberry's ASGI view with koc's authentication, typed context, trusted documents,
    execution timeout and GraphQL-over-HTTP status codes and media types."""

    def __init__(
        self,
        schema: Any,
        settings: Settings,
        wechat: WeChatClient,
        rate_limiter: RateLimiter,
        report_processes: ReportProcesses | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(schema, **kwargs)
        self.settings = settings
        self.wechat = wechat
        self.rate_limiter = rate_limiter
        self.report_processes = report_processes
        self.reports = report_fields(schema)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, capped(receive, self.settings.max_body_bytes))
        media_type = response_media_type(request.headers.get("accept"))
        try:
            response = await self._respond(request, scope, media_type)
        except HTTPException as exc:
            code = getattr(exc, "code", None) or HTTPStatus(exc.status_code).name
            headers = getattr(exc, "headers", None)
            response = error_response(exc.status_code, code, exc.reason, media_type, headers)
        except Exception as exc:
            # The database failing before execution (authentication, trusted documents) is the
            # same retryable 503 as during it (koc.graphql.schema.DatabaseFaults).
            fault = database_fault(exc)
            if fault is None:
                raise
            retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            response = error_response(503, fault, FAULT_MESSAGES[fault], media_type, retry)
        await response(scope, receive, send)

    async def _respond(self, request: Request, scope: Scope, media_type: str) -> Response:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise body_too_large(limit)
        try:
            viewer = await authenticate(self.settings, request.headers.get("authorization"))
        except Unauthenticated as exc:
            return error_response(
                401,
                "UNAUTHENTICATED",
                str(exc),
                media_type,
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        note_caller(viewer.kind)
        scope.setdefault("state", {})["viewer"] = viewer
        return await self.run(request)

    def should_render_graphql_ide(self, request: Any) -> bool:
        # strawberry serves the page to any GET without a query whose Accept has */*; a
        # persisted query over GET has no query either, and curl sends */*.
        params = request.query_params
        return (
            request.method == "GET"
            and params.get("query") is None
            and params.get("extensions") is None
            and prefers_html(request.headers.get("accept"))
        )

    def decode_json(self, data: str | bytes) -> object:
        """A request body (or GET ``variables`` / ``extensions``): a JSON object, in UTF-8,
        at most ``MAX_JSON_DEPTH`` levels deep; anything else is a 400 with a code."""
        try:
            value = json.loads(data)
        except UnicodeDecodeError as exc:
            raise RequestRefused(400, "The request body is not UTF-8.", "BAD_REQUEST") from exc
        except RecursionError as exc:
            raise json_too_deep() from exc
        if nested_deeper_than(value, MAX_JSON_DEPTH):
            raise json_too_deep()
        # A list is a batch, which strawberry refuses with its own message.
        if not isinstance(value, dict | list):
            raise RequestRefused(400, "Expected a JSON object.", "BAD_REQUEST")
        return value

    async def render_graphql_ide(self, request: Request) -> Response:
        # strawberry's page loads GraphiQL from CDNs; ours serves it from koc itself.
        return HTMLResponse(render_page(request))

    async def get_sub_response(self, request: Request) -> Response:  # type: ignore[override]
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = response_media_type(request.headers.get("accept"))
        return sub_response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = sub_response.media_type or JSON
        status_code = sub_response.status_code or 200
        if isinstance(response_data, dict):
            note_errors(response_data.get("errors") or ())
        # With application/json every well-formed request gets 200; the newer media type
        # tells a request error (nothing executed: no data) by a 4xx.
        if (
            media_type == GRAPHQL_RESPONSE_JSON
            and isinstance(response_data, dict)
            and is_request_error(response_data)
        ):
            response_data = {k: v for k, v in response_data.items() if k != "data"}  # type: ignore[assignment]
            status_code = sub_response.status_code or 400
        response = Response(
            self.encode_json(response_data), status_code=status_code, media_type=media_type
        )
        response.headers.raw.extend(sub_response.headers.raw)
        response.background = sub_response.background
        return response

    async def process_result(  # type: ignore[override]
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if isinstance(result, AnsweredElsewhere):
            return result.response
        return public_response(result, development=self.settings.is_development)

    async def parse_http_body(self, request: Any) -> Any:
        if request.method == "POST":
            content_type, _ = parse_content_type(request.content_type or "")
            if content_type != JSON:
                raise RequestRefused(
                    415, "Send the GraphQL request as application/json.", "UNSUPPORTED_MEDIA_TYPE"
                )
        return await super().parse_http_body(request)

    async def execute_single(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: Context,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            query = await resolve_document(
                self.settings.trusted_documents,
                context.viewer,
                request_data.query,
                request_data.extensions,
            )
        except DocumentRefused as exc:
            return ExecutionResult(
                data=None, errors=[GraphQLError(exc.message, extensions={"code": exc.code})]
            )
        timeout = self.settings.execution_timeout_seconds
        execute = super().execute_single

        def run() -> Any:
            return execute(
                request=request,
                request_adapter=request_adapter,
                sub_response=sub_response,
                context=context,
                root_value=root_value,
                request_data=dataclasses.replace(request_data, query=query),
            )

        report = is_report(query, request_data.operation_name, self.reports)
        send_away = report and self.may_send_away(context)
        try:
            if send_away:
                assert self.report_processes is not None
                # The report processes' start (imports, Tortoise set up) is not the report's:
                # it does not count against the time limit.
                await self.report_processes.ready()
            async with asyncio.timeout(timeout):
                if not report:
                    return await run()
                if not send_away:
                    return await off_loop(run)
                assert self.report_processes is not None and query is not None
                job = job_for(
                    context,
                    query,
                    request_data.variables,
                    request_data.operation_name,
                    request_data.extensions,
                    timeout,
                )
                answer = await self.report_processes.answer(job)
                if answer.response is None:
                    raise TimeoutError  # the report process stopped it at the deadline
                # its access records, written here: a report process has no writer
                failed = await write_access(
                    answer, sub_response, development=self.settings.is_development
                )
                return apply(answer, sub_response) if failed is None else failed
        except ReportInterrupted as exc:
            sub_response.status_code = 503
            sub_response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return ExecutionResult(
                data=None, errors=[GraphQLError(str(exc), extensions={"code": REPORT_INTERRUPTED})]
            )
        except TimeoutError:
            sub_response.status_code = 503
            return ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        f"The operation did not finish within {timeout:g} s and was stopped.",
                        extensions={"code": "TIMEOUT"},
                    )
                ],
            )
        except HTTPException as exc:
            if isinstance(exc.__cause__, InvalidOperationTypeError) and request.method == "GET":
                raise RequestRefused(
                    405,
                    "Only queries may be sent with GET; send mutations with POST.",
                    "METHOD_NOT_ALLOWED",
                    {"Allow": "POST"},
                ) from exc
            raise

    def may_send_away(self, context: Context) -> bool:
        """Whether a report runs in a report process (``koc.graphql.reportproc``): when there
        are any (``KOC_REPORT_PROCESSES``), on a SQLite file, for a caller with no rate-limit
        bucket (staff: a bucket lives in this process), and without tracing (whose spans and
        statement traces live in this process too)."""
        return (
            self.report_processes is not None
            and not self.settings.tracing
            and caller_key(context.viewer, None) is None
            and reports_may_leave_process()
        )

    async def get_context(self, request: Any, response: Any) -> Context:  # type: ignore[override]
        return Context(
            request=request,
            response=response,
            settings=self.settings,
            viewer=request.state.viewer,
            wechat=self.wechat,
            rate_limiter=self.rate_limiter,
        )
