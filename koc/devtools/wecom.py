"""WeCom's server API on your machine, over real HTTP: the fake the tests use for koc's WeCom
client (point ``KOC_WECOM_API_BASE`` at it).

It keeps what koc configured (contact ways by config_id) and answers external contacts from
what was registered (``contacts``: tests do this). Like WeCom, it checks the corp's credentials,
the access token, the contact way's users (1-100, each a known member of the corp when
``users`` is given) and that ``state`` holds at most 30 characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from koc.devtools.fakeapi import FakeApiServer, FakeApiState, JsonHandler

INVALID_TOKEN = 40014


@dataclass
class WeComState(FakeApiState):
    corp_id: str
    secret: str
    # external_userid -> {"unionid": ..., "name": ...}
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # the corp's members who may serve customers (None: anyone)
    users: set[str] | None = None
    contact_ways: dict[str, dict[str, Any]] = field(default_factory=dict)

    def reset(self) -> None:
        super().reset()
        self.contacts.clear()
        self.users = None
        self.contact_ways.clear()


class _WeComHandler(JsonHandler):
    state: WeComState

    def answer_get(self, path: str, q: dict[str, str], body: dict[str, Any]) -> None:
        if path == "/cgi-bin/gettoken":
            if q.get("corpid") != self.state.corp_id or q.get("corpsecret") != self.state.secret:
                self._error(40001, "invalid secret")
                return
            token = self.state.issue_token("WECOM")
            self._send({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})
        elif path == "/cgi-bin/externalcontact/get":
            if self._token_refused(q, INVALID_TOKEN, "invalid access_token"):
                return
            found = self.state.contacts.get(q.get("external_userid", ""))
            if found is None:
                self._error(84061, "not external contact")
                return
            contact = {"external_userid": q["external_userid"], "type": 1, **found}
            self._send({"errcode": 0, "errmsg": "ok", "external_contact": contact})
        else:
            self._not_found()

    def answer_post(self, path: str, q: dict[str, str], body: dict[str, Any]) -> None:
        if self._token_refused(q, INVALID_TOKEN, "invalid access_token"):
            return
        ways = self.state.contact_ways
        if path == "/cgi-bin/externalcontact/add_contact_way":
            if self._bad_way(body):
                return
            config_id = f"cfg{len(ways) + 1}"
            ways[config_id] = body
            qr = f"https://wework.qpic.cn/wwpic/{config_id}/0"
            self._send({"errcode": 0, "errmsg": "ok", "config_id": config_id, "qr_code": qr})
        elif path == "/cgi-bin/externalcontact/update_contact_way":
            way = ways.get(body.get("config_id", ""))
            if way is None:
                self._error(41044, "invalid config_id")
                return
            if self._bad_way({**way, **body}):
                return
            way.update({k: v for k, v in body.items() if k != "config_id"})
            self._error(0, "ok")
        elif path == "/cgi-bin/externalcontact/del_contact_way":
            if ways.pop(body.get("config_id", ""), None) is None:
                self._error(41044, "invalid config_id")
                return
            self._error(0, "ok")
        else:
            self._not_found()

    def _bad_way(self, way: dict[str, Any]) -> bool:
        users = way.get("user") or []
        if not 1 <= len(users) <= 100 or (way.get("type") == 1 and len(users) != 1):
            self._error(40098, "invalid user count")
            return True
        if self.state.users is not None and not set(users) <= self.state.users:
            self._error(60111, "invalid userid")
            return True
        if len(str(way.get("state", ""))) > 30:
            self._error(40058, "state exceeds 30 characters")
            return True
        return False


class WeComServer(FakeApiServer[WeComState]):
    def __init__(self, corp_id: str, secret: str, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(WeComState(corp_id=corp_id, secret=secret), _WeComHandler, host, port)
