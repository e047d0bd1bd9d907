"""An endpoint whose settings let webhooks reach the local receiver (plain HTTP on loopback),
and the receiver itself."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from koc.app import create_app
from koc.settings import Settings
from tests.conftest import GraphQLClient, make_settings
from tests.fakes.webhook_receiver import WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def local_settings(settings: Settings) -> Settings:
    return make_settings(
        settings.database_url,
        settings.wechat_api_base,
        rate_limit_capacity=10_000_000,
        webhook_allow_private_targets=True,
        webhook_allow_http=True,
        webhook_connect_timeout_seconds=1.0,
        webhook_read_timeout_seconds=1.0,
        webhook_max_response_bytes=256,
    )


@pytest.fixture
async def local_http(app: Any, local_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    # The same create_app, served without its lifespan: the session app opened the database.
    local = create_app(local_settings)
    transport = httpx.ASGITransport(app=local)
    async with httpx.AsyncClient(transport=transport, base_url="http://koc.test") as client:
        yield client
    await local.state.rate_limiter.aclose()


@pytest.fixture
def on_local(local_http: httpx.AsyncClient):
    """The same caller (its token) on the endpoint that allows the local receiver."""

    def switch(client: GraphQLClient) -> GraphQLClient:
        return GraphQLClient(local_http, token=client.token, member_id=client.member_id)

    return switch
