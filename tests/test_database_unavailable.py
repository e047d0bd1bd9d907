"""A database that does not answer (PostgreSQL down, a SQLite file that cannot be opened) gets
every GraphQL request a JSON error with HTTP 503, ``DATABASE_UNAVAILABLE`` and ``Retry-After``:
whether the request needed the database to authenticate its caller or only while executing,
never a plain-text 500 or a masked "Internal server error.".

Run against ``koc serve`` in production mode, started on a database that is not there.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from koc.auth.models import StaffRole
from koc.auth.tokens import issue_staff_access_token
from koc.devtools.wechat import WeChatServer
from koc.settings import Settings
from tests.live import live_koc

LOGIN = 'mutation { staffLogin(username: "admin", password: "a-password") { errors { code } } }'


@pytest.mark.parametrize("engine", ["postgres", "sqlite"])
async def test_an_unreachable_database_is_a_503_with_a_code(
    tmp_path: Path, wechat_server: WeChatServer, settings: Settings, engine: str
) -> None:
    # given a server whose database is a PostgreSQL port nobody listens on, or a SQLite "file"
    # that is a folder
    unreachable = tmp_path / "not-a-file"
    unreachable.mkdir()
    url = {"postgres": "postgres://koc@127.0.0.1:1/koc", "sqlite": f"sqlite://{unreachable}"}
    staff_token = issue_staff_access_token(settings, 1, "admin", StaffRole.ADMIN, uuid.uuid4())
    with live_koc(tmp_path, wechat_server.base_url, url[engine], prepare=False) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            # when callers need it to authenticate (a partner token, a staff session), or to
            # execute (an anonymous login)
            responses = [
                await http.post(
                    "/graphql",
                    json={"query": "{ __typename }"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                for token in ("koc_pt_" + "a" * 43, staff_token)
            ]
            responses.append(await http.post("/graphql", json={"query": LOGIN}))

    # then each gets a retryable 503 with a code
    for response in responses:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert int(response.headers["retry-after"]) >= 1
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
        assert "Internal server error" not in error["message"]
