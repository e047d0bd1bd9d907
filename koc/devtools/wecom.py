"""WeCom's server API on your machine, over real HTTP: the fake the tests use for koc's WeCom
client (point ``KOC_WECOM_API_BASE`` at it).

It keeps what koc configured (contact ways by config_id) and answers external contacts from
what was registered (``contacts``: tests do this). Like WeCom, it checks the corp's credentials,
the access token, the contact way's users (1-100, each a known member of the corp when
``users`` is given) and that ``state`` holds at most 30 characters.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

INVALID_TOKEN = 40014


@dataclass
class WeComState:
    corp_id: str
    secret: str
    # external_userid -> {"unionid": ..., "name": ...}
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # the corp's members who may serve customers (None: anyone)
    users: set[str] | None = None
    contact_ways: dict[str, dict[str, Any]] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    token_counter: int = 0
    requests: list[str] = field(default_factory=list)
    broken: bool = False

    def reset(self) -> None:
        self.contacts.clear()
        self.users = None
        self.contact_ways.clear()
        self.access_tokens.clear()
        self.requests.clear()
        self.broken = False


def _handler(state: WeComState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, payload: dict[str, Any], status: int = 200) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, errcode: int, errmsg: str) -> None:
            self._send({"errcode": errcode, "errmsg": errmsg})

        def _start(self) -> tuple[str, dict[str, str]] | None:
            url = urlparse(self.path)
            state.requests.append(url.path)
            if state.broken:
                self._send({"error": "bad gateway"}, 502)
                return None
            return url.path, {k: v[0] for k, v in parse_qs(url.query).items()}

        def do_GET(self) -> None:  # noqa: N802
            started = self._start()
            if started is None:
                return
            path, q = started
            if path == "/cgi-bin/gettoken":
                if q.get("corpid") != state.corp_id or q.get("corpsecret") != state.secret:
                    self._error(40001, "invalid secret")
                    return
                state.token_counter += 1
                token = f"WECOM_{state.token_counter}"
                state.access_tokens.add(token)
                self._send(
                    {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
                )
            elif path == "/cgi-bin/externalcontact/get":
                if q.get("access_token") not in state.access_tokens:
                    self._error(INVALID_TOKEN, "invalid access_token")
                    return
                found = state.contacts.get(q.get("external_userid", ""))
                if found is None:
                    self._error(84061, "not external contact")
                    return
                contact = {"external_userid": q["external_userid"], "type": 1, **found}
                self._send({"errcode": 0, "errmsg": "ok", "external_contact": contact})
            else:
                self._send({"errcode": 404, "errmsg": "not found"}, 404)

        def do_POST(self) -> None:  # noqa: N802
            started = self._start()
            if started is None:
                return
            path, q = started
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if q.get("access_token") not in state.access_tokens:
                self._error(INVALID_TOKEN, "invalid access_token")
                return
            if path == "/cgi-bin/externalcontact/add_contact_way":
                if self._bad_way(body):
                    return
                config_id = f"cfg{len(state.contact_ways) + 1}"
                state.contact_ways[config_id] = body
                qr = f"https://wework.qpic.cn/wwpic/{config_id}/0"
                self._send({"errcode": 0, "errmsg": "ok", "config_id": config_id, "qr_code": qr})
            elif path == "/cgi-bin/externalcontact/update_contact_way":
                way = state.contact_ways.get(body.get("config_id", ""))
                if way is None:
                    self._error(41044, "invalid config_id")
                    return
                if self._bad_way({**way, **body}):
                    return
                way.update({k: v for k, v in body.items() if k != "config_id"})
                self._error(0, "ok")
            elif path == "/cgi-bin/externalcontact/del_contact_way":
                if state.contact_ways.pop(body.get("config_id", ""), None) is None:
                    self._error(41044, "invalid config_id")
                    return
                self._error(0, "ok")
            else:
                self._send({"errcode": 404, "errmsg": "not found"}, 404)

        def _bad_way(self, way: dict[str, Any]) -> bool:
            users = way.get("user") or []
            if not 1 <= len(users) <= 100 or (way.get("type") == 1 and len(users) != 1):
                self._error(40098, "invalid user count")
                return True
            if state.users is not None and not set(users) <= state.users:
                self._error(60111, "invalid userid")
                return True
            if len(str(way.get("state", ""))) > 30:
                self._error(40058, "state exceeds 30 characters")
                return True
            return False

    return Handler


class WeComServer:
    def __init__(self, corp_id: str, secret: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = WeComState(corp_id=corp_id, secret=secret)
        self._server = ThreadingHTTPServer((host, port), _handler(self.state))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> WeComServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
