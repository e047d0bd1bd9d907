"""An endpoint with settings of the test's own (tiny rate limits, trusted documents required).

It is the same ``create_app`` as production, served without its lifespan: the session ``app``
fixture has already opened the database, and a second Tortoise registration would close it
for everyone when it ends.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from koc.app import create_app
from koc.auth.models import PartnerScope, StaffRole, StaffUser
from koc.auth.services import create_partner_token, issue_member_tokens, issue_staff_tokens
from koc.settings import Settings
from tests.conftest import GraphQLClient, make_member, make_settings

_usernames = (f"security-staff-{n}" for n in itertools.count(1))


class Endpoint:
    """One app with its own settings, and clients for each kind of caller."""

    def __init__(self, settings: Settings, client_host: str = "203.0.113.7") -> None:
        self.settings = settings
        self.app = create_app(settings)
        transport = httpx.ASGITransport(app=self.app, client=(client_host, 5000))
        self.http = httpx.AsyncClient(transport=transport, base_url="http://koc.test")

    def anonymous(self) -> GraphQLClient:
        return GraphQLClient(self.http)

    async def member(self) -> GraphQLClient:
        member = await make_member()
        session = await issue_member_tokens(self.settings, member.id)
        return GraphQLClient(self.http, token=session.access_token, member_id=member.id)

    async def staff(self, role: StaffRole = StaffRole.ADMIN) -> GraphQLClient:
        staff = await StaffUser.create(
            username=next(_usernames),
            password_hash="!unusable",
            role=role,
        )
        session = await issue_staff_tokens(self.settings, staff)
        return GraphQLClient(self.http, token=session.access_token, staff_id=staff.id)

    async def partner(self, scopes: list[PartnerScope]) -> GraphQLClient:
        _, secret = await create_partner_token("security test", scopes, None, actor=None)
        return GraphQLClient(self.http, token=secret)

    async def aclose(self) -> None:
        # The app's lifespan never ran (ASGITransport does not run it): close what it would.
        await self.http.aclose()
        state = self.app.state
        for each in (state.rate_limiter, state.scan_limiter, state.wechat, state.wecom):
            await each.aclose()


@pytest.fixture
async def endpoint(app: Any, settings: Settings) -> AsyncIterator[Callable[..., Endpoint]]:
    made: list[Endpoint] = []

    def make(client_host: str = "203.0.113.7", **overrides: Any) -> Endpoint:
        made.append(
            Endpoint(
                make_settings(settings.database_url, settings.wechat_api_base, **overrides),
                client_host,
            )
        )
        return made[-1]

    yield make
    for each in made:
        await each.aclose()
