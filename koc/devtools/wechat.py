"""WeChat's mini-program server API on your machine, over real HTTP: the fake the tests use
and the one ``koc dev wechat`` serves to front-end developers.

koc's WeChat client talks to it exactly as it would to api.weixin.qq.com (point
``KOC_WECHAT_API_BASE`` at it). Codes are answered from what was registered (``login_codes``,
``phone_codes``: tests do this), else by the optional resolvers (``koc dev wechat`` turns
``member-12`` into that member's openid), else with WeChat's "invalid code" 40029.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from koc.devtools.fakeapi import FakeApiServer, FakeApiState, JsonHandler

# What a login code gives: (openid, unionid), or a WeChat errcode.
LoginAnswer = tuple[str, str | None] | int
# What a phone code gives: the number (without country code), or a WeChat errcode.
PhoneAnswer = str | int
INVALID_CODE = 40029
# What a URL Link's query may hold, as WeChat's documentation lists it (at most 1024 characters).
_QUERY_RE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~%]{0,1024}")


@dataclass
class WeChatState(FakeApiState):
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
    # URL Links and URL Schemes generated: the request bodies, in order
    url_links: list[dict[str, Any]] = field(default_factory=list)
    url_schemes: list[dict[str, Any]] = field(default_factory=list)

    def reset(self) -> None:
        super().reset()
        self.login_codes.clear()
        self.phone_codes.clear()
        self.subscribe_answers.clear()
        self.subscribe_messages.clear()
        self.url_links.clear()
        self.url_schemes.clear()


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


class _WeChatHandler(JsonHandler):
    state: WeChatState
    # Keep-alive, as WeChat's servers answer: a sender reuses its connection.
    protocol_version = "HTTP/1.1"
    # Headers and body leave in one packet (flushed after each request): written apart,
    # Nagle's algorithm and a delayed ACK hold the body back ~40 ms on a kept-alive socket.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def _app_refused(self, q: dict[str, str]) -> bool:
        if q.get("appid") == self.state.appid and q.get("secret") == self.state.secret:
            return False
        self._error(40125, "invalid appsecret")
        return True

    def answer_get(self, path: str, q: dict[str, str], body: dict[str, Any]) -> None:
        if path == "/sns/jscode2session":
            if self._app_refused(q):
                return
            code = q.get("js_code", "")
            found = self.state.login_codes.pop(code, None) or self.state.resolve_login(code)
            if found is None or isinstance(found, int):
                self._error(found or INVALID_CODE, "error")
                return
            openid, unionid = found
            answer = {"openid": openid, "session_key": "c2Vzc2lvbmtleQ=="}
            if unionid:
                answer["unionid"] = unionid
            self._send(answer)
        elif path == "/cgi-bin/token":
            if self._app_refused(q):
                return
            token = self.state.issue_token("ACCESS")
            self._send({"access_token": token, "expires_in": 7200})
        else:
            self._not_found()

    def answer_post(self, path: str, q: dict[str, str], body: dict[str, Any]) -> None:
        if path not in (
            SUBSCRIBE_SEND,
            "/wxa/business/getuserphonenumber",
            "/wxa/generate_urllink",
            "/wxa/generatescheme",
        ):
            self._not_found()
            return
        if self._token_refused(q, 40001, "invalid credential"):
            return
        if path == "/wxa/generate_urllink":
            self._url_link(body)
            return
        if path == "/wxa/generatescheme":
            self._url_scheme(body)
            return
        if path == SUBSCRIBE_SEND:
            self._send(_subscribe_send(self.state, body))
            return
        code = body.get("code", "")
        found = self.state.phone_codes.pop(code, None) or self.state.resolve_phone(code)
        if found is None or isinstance(found, int):
            self._error(found or INVALID_CODE, "error")
            return
        self._send(
            {
                "errcode": 0,
                "errmsg": "ok",
                "phone_info": {
                    "phoneNumber": found,
                    "purePhoneNumber": found,
                    "countryCode": "86",
                    "watermark": {"appid": self.state.appid, "timestamp": 0},
                },
            }
        )

    def _refused_link(self, path: str, query: str, body: dict[str, Any]) -> bool:
        # As WeChat checks them: a page path without a query, a query of allowed
        # characters, and an interval of at most 30 days when the link expires.
        interval = body.get("expire_interval")
        if "?" in path or not _QUERY_RE.fullmatch(query):
            self._error(40165, "invalid weapp pagepath")
            return True
        if body.get("expire_type") == 1 and not (isinstance(interval, int) and 1 <= interval <= 30):
            self._error(40212, "invalid expire_interval")
            return True
        return False

    def _url_scheme(self, body: dict[str, Any]) -> None:
        jump = body.get("jump_wxa") or {}
        if self._refused_link(str(jump.get("path", "")), str(jump.get("query", "")), body):
            return
        self.state.url_schemes.append(body)
        ticket = f"SCHEME{len(self.state.url_schemes)}"
        self._send({"errcode": 0, "errmsg": "ok", "openlink": f"weixin://dl/business/?t={ticket}"})

    def _url_link(self, body: dict[str, Any]) -> None:
        if self._refused_link(str(body.get("path", "")), str(body.get("query", "")), body):
            return
        self.state.url_links.append(body)
        ticket = f"LINK{len(self.state.url_links)}"
        self._send({"errcode": 0, "errmsg": "ok", "url_link": f"https://wxaurl.cn/{ticket}"})


class WeChatServer(FakeApiServer[WeChatState]):
    def __init__(
        self, appid: str, secret: str, host: str = "127.0.0.1", port: int = 0, **resolvers: Any
    ) -> None:
        state = WeChatState(appid=appid, secret=secret, **resolvers)
        super().__init__(state, _WeChatHandler, host, port)
