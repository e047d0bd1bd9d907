"""The application factory: ``create_app(settings)`` returns the Starlette app."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from tortoise.connection import connections
from tortoise.contrib.starlette import RegisterTortoise

from koc import metrics
from koc.access import REQUEST_ID_HEADER, RequestContext
from koc.auth.wechat import WeChatClient
from koc.db import ensure_sqlite_directory, reports_may_leave_process, tortoise_config
from koc.graphql.graphiql import STATIC_PREFIX, static_files
from koc.graphql.reportproc import ReportProcesses
from koc.graphql.schema import schema
from koc.graphql.view import KocGraphQL
from koc.livecodes.callback import ROUTES as WECOM_CALLBACK_ROUTES
from koc.livecodes.web import ROUTES as LIVE_CODE_ROUTES
from koc.livecodes.web import scan_limiter_for
from koc.livecodes.wecom import WeComClient
from koc.notifications import jobs as notification_jobs
from koc.privacy import logs
from koc.security.ratelimit import rate_limiter_for
from koc.settings import Settings, get_settings
from koc.tasks import register_all
from koc.wiring import connect_all
from koc.worker.process import run_worker_resiliently


async def healthz(request: Request) -> JSONResponse:
    """The process is up."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The database answers."""
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return JSONResponse({"status": "unavailable", "error": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok"})


def middleware(settings: Settings) -> list[Middleware]:
    """Outermost first: the request id wraps everything, then the trace, then CORS answers
    preflights."""
    stack = [Middleware(RequestContext)]
    if settings.tracing:
        from koc.tracing import start_tracing  # needs the optional tracing extra

        stack.append(start_tracing())
    if settings.cors_allow_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_allow_origins,
                allow_methods=settings.cors_allow_methods,
                allow_headers=settings.cors_allow_headers,
                expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
                max_age=settings.cors_max_age_seconds,
            )
        )
    return stack


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    logs.install()  # before anything logs: no personal data in any record
    connect_all()  # which feature reacts to which event: koc/wiring.py
    register_all()  # which background tasks and schedules exist: koc/tasks.py
    ensure_sqlite_directory(settings.database_url)
    wechat = WeChatClient(
        settings.wechat_api_base,
        settings.wechat_appid,
        settings.wechat_secret,
        settings.wechat_timeout_seconds,
    )
    wecom = WeComClient(
        settings.wecom_api_base,
        settings.wecom_corp_id,
        settings.wecom_secret,
        settings.wecom_timeout_seconds,
    )
    rate_limiter = rate_limiter_for(settings)
    scan_limiter = scan_limiter_for(settings)
    # Whole reports in processes of their own on a SQLite file, started with the app.
    report_processes = ReportProcesses(settings) if settings.report_processes else None
    graphql = KocGraphQL(
        schema,
        settings=settings,
        wechat=wechat,
        rate_limiter=rate_limiter,
        report_processes=report_processes,
        graphql_ide="graphiql" if settings.graphiql else None,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            gc.freeze()  # start-up objects leave the collector's scans: shorter GC pauses
            if report_processes is not None and reports_may_leave_process():
                report_processes.start()  # they start meanwhile; the first report awaits them
            notification_jobs.use(wechat, settings)  # subscribe messages share the app's client
            sampler = asyncio.create_task(metrics.sample_pool_forever())
            stop_worker = asyncio.Event()
            worker = (
                asyncio.create_task(run_worker_resiliently(settings, stop_worker))
                if settings.embedded_worker
                else None
            )
            try:
                yield
            finally:
                stop_worker.set()
                if worker is not None:
                    await worker
                sampler.cancel()
                if report_processes is not None:
                    await report_processes.close()
                metrics.worker_exited()
                notification_jobs.use(None)
                await wechat.aclose()
                await wecom.aclose()
                await rate_limiter.aclose()
                await scan_limiter.aclose()

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *LIVE_CODE_ROUTES,
        *WECOM_CALLBACK_ROUTES,
    ]
    if settings.graphiql:
        routes.append(Mount(STATIC_PREFIX, static_files(), name="graphql-static"))
    if settings.metrics_token:
        routes.append(Route("/metrics", metrics.metrics_endpoint))
    app = Starlette(
        debug=False,
        routes=routes,
        middleware=middleware(settings),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.rate_limiter = rate_limiter
    app.state.graphql = graphql
    app.state.scan_limiter = scan_limiter
    app.state.wechat = wechat
    app.state.wecom = wecom
    return app
