"""The application factory: ``create_app(settings)`` returns the Starlette app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tortoise.connection import connections
from tortoise.contrib.starlette import RegisterTortoise

from koc.auth.wechat import WeChatClient
from koc.db import ensure_sqlite_directory, tortoise_config
from koc.graphql.schema import schema
from koc.graphql.view import KocGraphQL
from koc.settings import Settings, get_settings


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


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    ensure_sqlite_directory(settings.database_url)
    wechat = WeChatClient(
        settings.wechat_api_base,
        settings.wechat_appid,
        settings.wechat_secret,
        settings.wechat_timeout_seconds,
    )
    graphql = KocGraphQL(
        schema,
        settings=settings,
        wechat=wechat,
        graphql_ide="graphiql" if settings.graphiql else None,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with RegisterTortoise(app, config=tortoise_config(settings.database_url)):
            try:
                yield
            finally:
                await wechat.aclose()

    app = Starlette(
        debug=False,
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app
