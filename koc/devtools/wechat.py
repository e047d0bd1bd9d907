"""WeChat's mini-program server API on your machine, over real HTTP: the fake the tests use
and the one ``koc dev wechat`` serves to front-end developers.

koc's WeChat client talks to it exactly as it would to api.weixin.qq.com (point
``KOC_WECHAT_API_BASE`` at it). Codes are answered from what was registered (``login_codes``,
``phone_codes``: tests do this), else by the optional resolvers (``koc dev wechat`` turns
``member-12`` into that member's openid), else with WeChat's "invalid code" 40029.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

# What a login code gives: (openid, unionid), or a WeChat errcode.
LoginAnswer = tuple[str, str | None] | int
# What a phone code gives: the number (without country code), or a WeChat errcode.
PhoneAnswer = str | int
INVALID_CODE = 40029
# What a URL Link's query may hold, as WeChat's documentation lists it (at most 1024 characters).
_QUERY_RE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~%]{0,1024}")


@dataclass
class WeChatState:
    appid: str
    secret: str
    # codes registered for one use (tests): code -> answer
    login_codes: dict[str, LoginAnswer] = field(default_factory=dict)
    phone_codes: dict[str, PhoneAnswer] = field(default_factory=dict)
    # codes worked out from the code itself (koc dev wechat): None = not such a code
    resolve_login: Callable[[str], LoginAnswer | None] = lambda code: None
    resolve_phone: Callable[[str], PhoneAnswer | None] = lambda code: None
    # subscribeMessage.send: errcodes to answer the next sends with, in order (tests), and the
    # messages accepted
    subscribe_answers: list[int] = field(default_factory=list)
    subscribe_messages: list[dict[str, Any]] = field(default_factory=list)
    access_tokens: set[str] = field(default_factory=set)
    token_counter: int = 0
    requests: list[str] = field(default_factory=list)
    broken: bool = False  # answer 502 to everything
    # URL Links and URL Schemes generated: the request bodies, in order
    url_links: list[dict[str, Any]] = field(default_factory=list)
    url_schemes: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        self.login_codes.clear()
        self.phone_codes.clear()
        self.access_tokens.clear()
        self.subscribe_answers.clear()
        self.subscribe_messages.clear()
        self.requests.clear()
        self.url_links.clear()
        self.url_schemes.clear()
        self.broken = False


SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"


def _subscribe_send(state: WeChatState, body: dict[str, Any]) -> dict[str, Any]:
    """What WeChat answers a subscribe message: a queued errcode if a test set one, 47003 for
    an empty value or a thing over 20 characters (the rule most often broken), else success."""
    if state.subscribe_answers:
        errcode = state.subscribe_answers.pop(0)
        if errcode:
            return {"errcode": errcode, "errmsg": f"fake error {errcode}"}
    if not body.get("touser"):
        return {"errcode": 40003, "errmsg": "invalid openid"}
    for key, item in (body.get("data") or {}).items():
        value = str((item or {}).get("value") or "")
        if not value or (key.startswith("thing") and len(value) > 20):
            return {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value invalid"}
    state.subscribe_messages.append(body)
    return {"errcode": 0, "errmsg": "ok"}


def _handler(state: WeChatState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as WeChat's servers answer: a sender reuses its connection.
        protocol_version = "HTTP/1.1"
        # Headers and body leave in one packet (flushed after each request): written apart,
        # Nagle's algorithm and a delayed ACK hold the body back ~40 ms on a kept-alive socket.
        wbufsize = 64 * 1024
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:  # koc logs what it asked
            pass

        def _send(self, payload: dict[str, Any], status: int = 200) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            state.requests.append(url.path)
            if state.broken:
                self._send({"error": "bad gateway"}, 502)
                return
            if url.path == "/sns/jscode2session":
                if q.get("appid") != state.appid or q.get("secret") != state.secret:
                    self._send({"errcode": 40125, "errmsg": "invalid appsecret"})
                    return
                code = q.get("js_code", "")
                found = state.login_codes.pop(code, None) or state.resolve_login(code)
                if found is None or isinstance(found, int):
                    self._send({"errcode": found or INVALID_CODE, "errmsg": "error"})
                    return
                openid, unionid = found
                answer = {"openid": openid, "session_key": "c2Vzc2lvbmtleQ=="}
                if unionid:
                    answer["unionid"] = unionid
                self._send(answer)
            elif url.path == "/cgi-bin/token":
                if q.get("appid") != state.appid or q.get("secret") != state.secret:
                    self._send({"errcode": 40125, "errmsg": "invalid appsecret"})
                    return
                state.token_counter += 1
                token = f"ACCESS_{state.token_counter}"
                state.access_tokens.add(token)
                self._send({"access_token": token, "expires_in": 7200})
            else:
                self._send({"errcode": 404, "errmsg": "not found"}, 404)

        def do_POST(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            state.requests.append(url.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if state.broken:
                self._send({"error": "bad gateway"}, 502)
                return
            if url.path not in (
                SUBSCRIBE_SEND,
                "/wxa/business/getuserphonenumber",
                "/wxa/generate_urllink",
                "/wxa/generatescheme",
            ):
                self._send({"errcode": 404, "errmsg": "not found"}, 404)
                return
            if q.get("access_token") not in state.access_tokens:
                self._send({"errcode": 40001, "errmsg": "invalid credential"})
                return
            if url.path == "/wxa/generate_urllink":
                self._url_link(body)
                return
            if url.path == "/wxa/generatescheme":
                self._url_scheme(body)
                return
            if url.path == SUBSCRIBE_SEND:
                self._send(_subscribe_send(state, body))
                return
            code = body.get("code", "")
            found = state.phone_codes.pop(code, None) or state.resolve_phone(code)
            if found is None or isinstance(found, int):
                self._send({"errcode": found or INVALID_CODE, "errmsg": "error"})
                return
            self._send(
                {
                    "errcode": 0,
                    "errmsg": "ok",
                    "phone_info": {
                        "phoneNumber": found,
                        "purePhoneNumber": found,
                        "countryCode": "86",
                        "watermark": {"appid": state.appid, "timestamp": 0},
                    },
                }
            )

        def _refused_link(self, path: str, query: str, body: dict[str, Any]) -> bool:
            # As WeChat checks them: a page path without a query, a query of allowed
            # characters, and an interval of at most 30 days when the link expires.
            interval = body.get("expire_interval")
            if "?" in path or not _QUERY_RE.fullmatch(query):
                self._send({"errcode": 40165, "errmsg": "invalid weapp pagepath"})
                return True
            if body.get("expire_type") == 1 and not (
                isinstance(interval, int) and 1 <= interval <= 30
            ):
                self._send({"errcode": 40212, "errmsg": "invalid expire_interval"})
                return True
            return False

        def _url_scheme(self, body: dict[str, Any]) -> None:
            jump = body.get("jump_wxa") or {}
            if self._refused_link(str(jump.get("path", "")), str(jump.get("query", "")), body):
                return
            state.url_schemes.append(body)
            ticket = f"SCHEME{len(state.url_schemes)}"
            self._send(
                {"errcode": 0, "errmsg": "ok", "openlink": f"weixin://dl/business/?t={ticket}"}
            )

        def _url_link(self, body: dict[str, Any]) -> None:
            if self._refused_link(str(body.get("path", "")), str(body.get("query", "")), body):
                return
            state.url_links.append(body)
            ticket = f"LINK{len(state.url_links)}"
            self._send({"errcode": 0, "errmsg": "ok", "url_link": f"https://wxaurl.cn/{ticket}"})

    return Handler


class WeChatServer:
    def __init__(
        self, appid: str, secret: str, host: str = "127.0.0.1", port: int = 0, **resolvers: Any
    ) -> None:
        self.state = WeChatState(appid=appid, secret=secret, **resolvers)
        self._server = ThreadingHTTPServer((host, port), _handler(self.state))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> WeChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
