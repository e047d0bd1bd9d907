"""No personal data in logs: a journey through a real server, every logger at DEBUG.

koc is served by uvicorn in this process (the same app and database as the other tests), so
its access log, strawberry's error log, Tortoise's statement log and httpx's request log (the
WeChat calls and the test's own requests) all land in one capturing handler on the root
logger. The journey signs in with WeChat, binds a phone, reports orders by phone, unionid and
openid, reads with GET, exports data and makes every kind of error; then no record may hold a
phone number, an openid, a unionid, a token or the WeChat secret.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn

from koc.auth.models import PartnerScope, StaffRole
from tests.conftest import APPSECRET, GraphQLClient

PHONE_DIGITS = "13912340000"
PHONE = "+86" + PHONE_DIGITS
OPENID = "oLogJourneyOpenid00000000001"
UNIONID = "uLogJourneyUnionid0000000001"
PROSPECT_PHONE = "13712340000"
PROSPECT_UNIONID = "uLogJourneyProspect000000001"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> Iterator[tuple[str, str]]:
        """(logger, everything a handler could print of the record)."""
        for record in self.records:
            extra = {k: v for k, v in vars(record).items() if k not in {"msg", "args"}}
            yield record.name, self.format(record) + " " + repr(extra)


@contextmanager
def capture_all_logs() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    loggers = [root] + [logging.getLogger(n) for n in list(logging.root.manager.loggerDict)]
    levels = {logger: logger.level for logger in loggers}
    propagate = {logger: logger.propagate for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.propagate = True
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for logger in loggers:
            logger.setLevel(levels[logger])
            logger.propagate = propagate[logger]


@pytest.fixture
async def live_url(app: Any) -> AsyncIterator[str]:
    """The test app served by uvicorn on a free port, in this event loop."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_config=None, access_log=True
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def _journey(
    http: httpx.AsyncClient, wechat: Any, admin: GraphQLClient, dealer: GraphQLClient
) -> list[str]:
    """Everything a brand's callers do in a day; returns the secrets they used."""
    anon = GraphQLClient(http)
    # a member signs in with WeChat, binds their phone, exports, then refreshes twice (reuse)
    wechat.state.login_codes["log-login"] = (OPENID, UNIONID)
    login = await anon.execute(
        'mutation { memberLogin(code: "log-login") { session { accessToken refreshToken } } }'
    )
    session = login["memberLogin"]["session"]
    member = GraphQLClient(http, token=session["accessToken"])
    wechat.state.phone_codes["log-phone"] = PHONE_DIGITS
    await member.execute('mutation { memberPhoneBind(code: "log-phone") { errors { code } } }')
    await member.execute("{ meDataExport }")
    # a member tries staff's search with a phone in the document: refused, and logged
    await member.post(f'{{ members(filter: {{search: "{PHONE_DIGITS}"}}) {{ totalCount }} }}')
    # (reusing the refresh token ends the login, so the member is done before that)
    refresh = "mutation($t: String!) { tokenRefresh(refreshToken: $t) { errors { code } } }"
    await anon.execute(refresh, {"t": session["refreshToken"]})
    await anon.execute(refresh, {"t": session["refreshToken"]})
    # a dealer reports orders by phone, unionid and openid, a bad one and a syntax error
    at = datetime.now(UTC).isoformat()
    for n, ref in enumerate(
        [{"phone": PROSPECT_PHONE}, {"unionid": PROSPECT_UNIONID}, {"openid": OPENID}]
    ):
        order = {"externalId": f"log-{n}", "member": ref, "amountCents": 100, "occurredAt": at}
        order["category"] = "charger"
        await dealer.post(
            "mutation($i: OrderRecordInput!) { orderRecord(input: $i) { errors { code } } }",
            {"i": order},
        )
    await dealer.post(
        "mutation($i: OrderRecordInput!) { orderRecord(input: $i) { errors { code } } }",
        {
            "i": {
                "externalId": "log-bad",
                "member": {"openid": "oUnknownLogOpenid"},
                "amountCents": PHONE_DIGITS,
                "occurredAt": at,
                "category": "x",
            }
        },
    )
    await dealer.post(f'{{ member(id: "{PHONE}") {{ phone }}')  # not even GraphQL
    # staff search by phone with GET (variables in the query string) and unmask
    search = "query($s: String) { members(filter: {search: $s}) { edges { node { id "
    search += 'phoneUnmasked(reason: "Customer called back") } } } }'
    await http.get(
        "/graphql",
        params={"query": search, "variables": json.dumps({"s": PHONE_DIGITS})},
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    await http.post(
        "/graphql",
        json={"query": "{ me { id } }"},
        headers={"Authorization": f"Bearer {session['accessToken']}x"},
    )
    return [
        session["accessToken"],
        session["refreshToken"],
        admin.token or "",
        dealer.token or "",
        APPSECRET,
    ]


async def test_no_personal_data_reaches_any_log(
    live_url: str, wechat_server, staff_client, partner_client
) -> None:
    admin, dealer = await staff_client(StaffRole.ADMIN), await partner_client(list(PartnerScope))
    with capture_all_logs() as logs:
        async with httpx.AsyncClient(base_url=live_url) as http:
            secrets = await _journey(
                http,
                wechat_server,
                GraphQLClient(http, token=admin.token),
                GraphQLClient(http, token=dealer.token),
            )
    # then the journey was logged by every layer
    loggers = {name for name, _ in logs.texts()}
    for expected in ["koc.access", "koc.graphql", "tortoise.db_client", "httpx"]:
        assert expected in loggers, sorted(loggers)
    # and no record holds a personal value or a secret
    personal = [PHONE, PHONE_DIGITS, OPENID, UNIONID, PROSPECT_PHONE, PROSPECT_UNIONID, *secrets]
    leaks = [
        f"{name}: {value}" for name, text in logs.texts() for value in personal if value in text
    ]
    assert leaks == [], "\n".join(leaks)
