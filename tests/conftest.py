"""Test fixtures: a real migrated database (SQLite by default, PostgreSQL when
``KOC_TEST_DATABASE_URL`` names one), the ASGI app, a fake WeChat server and a client per caller.

On PostgreSQL every run creates its own scratch database next to the one named, so parallel
runs never meet, and drops it at the end.
"""

from __future__ import annotations

import itertools
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from strawberry.relay import to_base64
from tortoise import Tortoise
from tortoise.connection import connections

from koc.app import create_app
from koc.auth.models import PartnerScope, StaffRole, StaffUser
from koc.auth.services import create_partner_token, issue_member_tokens, issue_staff_tokens
from koc.cli import migrate_database
from koc.db import is_postgres
from koc.devtools.wechat import WeChatServer
from koc.devtools.wecom import WeComServer
from koc.graphql.reportproc import ReportProcesses
from koc.members.models import Member
from koc.settings import Settings

TEST_SECRET = "test-secret-" + "x" * 40
APPID = "wx-test-app"
APPSECRET = "wx-test-secret"
WECOM_CORP_ID = "ww-test-corp"
WECOM_SECRET = "wecom-test-secret"
WECOM_TOKEN = "wecom-callback-token"
WECOM_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def engine_name() -> str:
    return "postgres" if os.environ.get("KOC_TEST_DATABASE_URL") else "sqlite"


async def _create_pg_database(base_url: str) -> str:
    import asyncpg

    name = f"koc_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(base_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return base_url.rsplit("/", 1)[0] + "/" + name


async def _drop_pg_database(base_url: str, url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(base_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def wechat_server() -> Any:
    server = WeChatServer(APPID, APPSECRET).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def wecom_server() -> Any:
    server = WeComServer(WECOM_CORP_ID, WECOM_SECRET).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    base = os.environ.get("KOC_TEST_DATABASE_URL")
    if base:
        url = await _create_pg_database(base)
        yield url
        await Tortoise.close_connections()
        await _drop_pg_database(base, url)
    else:
        path: Path = tmp_path_factory.mktemp("db") / "koc.sqlite3"
        yield f"sqlite://{path}"


def make_settings(database_url: str, wechat_base: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "production",
        "database_url": database_url,
        "jwt_secret": TEST_SECRET,
        "wechat_appid": APPID,
        "wechat_secret": APPSECRET,
        "wechat_api_base": wechat_base,
        "embedded_worker": False,  # tests run jobs with run_pending_jobs(), when they choose
        # Reports run on the report thread, where tests count their statements and patch them;
        # tests/test_report_processes.py and tests/test_long_reads.py use report processes.
        "report_processes": 0,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture(scope="session")
def settings(database_url: str, wechat_server: WeChatServer, wecom_server: WeComServer) -> Settings:
    # Tests run as production does, so masked errors and refused defaults are what we test;
    # but all of them share one address and sign in far more often than a person does, so the
    # buckets are deep. Rate limits are tested on endpoints of their own (the endpoint fixture).
    return make_settings(
        database_url,
        wechat_server.base_url,
        rate_limit_capacity=10_000_000,
        livecode_scans_per_minute=10_000,
        wecom_api_base=wecom_server.base_url,
        wecom_corp_id=WECOM_CORP_ID,
        wecom_secret=WECOM_SECRET,
        wecom_callback_token=WECOM_TOKEN,
        wecom_encoding_aes_key=WECOM_AES_KEY,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    await migrate_database(settings)
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="module")
async def report_processes(settings: Settings) -> AsyncIterator[ReportProcesses]:
    """One report process for a test module (starting one takes about a second)."""
    processes = ReportProcesses(settings.model_copy(update={"report_processes": 1}))
    await processes.ready()  # as the app's lifespan starts them: no test waits for the start
    yield processes
    await processes.close()


@pytest.fixture
def reports_in_processes(
    app: Any, report_processes: ReportProcesses, monkeypatch: pytest.MonkeyPatch
) -> ReportProcesses:
    """The app's reports run in the module's report process (the session's app has none)."""
    monkeypatch.setattr(app.state.graphql, "report_processes", report_processes)
    return report_processes


# Tables whose rows are configuration that migrations create, kept between tests.
KEEP_TABLES = {"lifecycle_stage", "tortoise_migrations"}
PGQUEUER_TABLES = ["pgqueuer", "pgqueuer_log", "pgqueuer_statistics", "pgqueuer_schedules"]


@pytest.fixture(autouse=True)
async def clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    conn = connections.get("default")
    tables = [
        model._meta.db_table
        for app_models in Tortoise.apps.values()
        for model in app_models.values()
        if model._meta.db_table not in KEEP_TABLES
    ]
    if is_postgres(request.getfixturevalue("settings").database_url):
        tables += PGQUEUER_TABLES  # the queue's own tables (koc.worker), not Tortoise models
        await conn.execute_script(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
    else:
        script = "PRAGMA foreign_keys = OFF;\n"
        script += "".join(f'DELETE FROM "{t}";\n' for t in tables)
        script += "PRAGMA foreign_keys = ON;"
        await conn.execute_script(script)


@dataclass
class GraphQLClient:
    """An httpx client over the ASGI app, posting GraphQL as one caller."""

    http: httpx.AsyncClient
    token: str | None = None
    member_id: int | None = None
    staff_id: int | None = None

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run an operation that must succeed without top-level errors; returns ``data``."""
        response = await self.post(query, variables)
        body = response.json()
        assert response.status_code == 200, body
        assert not body.get("errors"), body["errors"]
        return body["data"]

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run an operation that must fail at the top level; returns the errors."""
        response = await self.post(query, variables)
        body = response.json()
        assert body.get("errors"), body
        return body["errors"]

    @property
    def member_gid(self) -> str:
        assert self.member_id is not None
        return to_base64("Member", self.member_id)


@pytest.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://koc.test") as client:
        yield client


@pytest.fixture
def anon_client(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


_counter = itertools.count(1)


async def make_member(**fields: Any) -> Member:
    n = next(_counter)
    values = {"nickname": f"member{n}", **fields}
    return await Member.create(**values)


@pytest.fixture
def member_client(
    http: httpx.AsyncClient, settings: Settings
) -> Callable[..., Awaitable[GraphQLClient]]:
    async def make(member: Member | None = None, **fields: Any) -> GraphQLClient:
        member = member or await make_member(**fields)
        session = await issue_member_tokens(settings, member.id)
        return GraphQLClient(http, token=session.access_token, member_id=member.id)

    return make


@pytest.fixture
def staff_client(
    http: httpx.AsyncClient, settings: Settings
) -> Callable[..., Awaitable[GraphQLClient]]:
    async def make(role: StaffRole = StaffRole.ADMIN, username: str | None = None) -> GraphQLClient:
        # Created directly (no Argon2 hash of a real password) to keep tests fast; the login
        # itself is tested through staffLogin.
        staff = await StaffUser.create(
            username=username or f"{role.value.lower()}{next(_counter)}",
            password_hash="!unusable",
            role=role,
        )
        session = await issue_staff_tokens(settings, staff)
        return GraphQLClient(http, token=session.access_token, staff_id=staff.id)

    return make


@pytest.fixture
def partner_client(http: httpx.AsyncClient) -> Callable[..., Awaitable[GraphQLClient]]:
    async def make(
        scopes: list[PartnerScope] | list[str], name: str | None = None
    ) -> GraphQLClient:
        token, secret = await create_partner_token(
            name or f"partner{next(_counter)}",
            [PartnerScope(s) for s in scopes],
            None,
            actor=None,
        )
        client = GraphQLClient(http, token=secret)
        client.partner_id = token.id  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture(autouse=True)
def reset_wechat(request: pytest.FixtureRequest) -> None:
    for server in ("wechat_server", "wecom_server"):
        if server in request.fixturenames:
            request.getfixturevalue(server).state.reset()


def gid(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def random_code() -> str:
    return secrets.token_hex(8)
