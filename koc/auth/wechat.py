"""A real HTTP client for the WeChat mini-program server API (httpx).

code2Session (``/sns/jscode2session``) turns a ``wx.login`` code into openid / unionid;
getuserphonenumber (``/wxa/business/getuserphonenumber``) turns a phone-button code into the
member's number, generate_urllink (``/wxa/generate_urllink``) and generatescheme
(``/wxa/generatescheme``) make a URL Link and a URL Scheme that open a mini-program page from
outside WeChat (a live code's page); all three need an app access token
(``/cgi-bin/token``), which is cached until shortly before it expires. Tests point ``KOC_WECHAT_API_BASE`` at a local fake server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from koc.auth.errors import AuthErrorCode
from koc.errors import DomainError
from koc.serverapi import ServerApiClient

# WeChat's documented error codes that a caller can act on.
_ERRCODES = {
    40029: (AuthErrorCode.INVALID_CODE, "The login code is invalid or was already used."),
    40163: (AuthErrorCode.INVALID_CODE, "The login code was already used."),
    45011: (
        AuthErrorCode.WECHAT_RATE_LIMITED,
        "WeChat is rate limiting this app; try again shortly.",
    ),
    40226: (
        AuthErrorCode.WECHAT_HIGH_RISK_USER,
        "WeChat flags this user as high-risk; login refused.",
    ),
}
# Access-token errors: refetch the token once and retry.
_STALE_TOKEN = frozenset({40001, 42001, 40014})


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    unionid: str | None
    session_key: str


class WeChatUnreachable(Exception):
    """No answer from WeChat (network, timeout, an HTTP error or an unreadable body)."""


@dataclass(frozen=True)
class WeChatAnswer:
    """WeChat's answer to a server call: errcode 0 is success."""

    errcode: int
    errmsg: str


@dataclass(frozen=True)
class WeChatPhone:
    phone_number: str
    country_code: str


class WeChatClient(ServerApiClient):
    name = "WeChat"
    stale_token_errcodes = _STALE_TOKEN

    def __init__(self, api_base: str, appid: str, secret: str, timeout: float = 5.0) -> None:
        super().__init__(api_base, timeout)
        self.appid = appid
        self._secret = secret

    def _unreachable(self, message: str) -> DomainError:
        return DomainError(AuthErrorCode.WECHAT_UNAVAILABLE, message, "code")

    @staticmethod
    def _raise_for(data: dict[str, Any]) -> None:
        errcode = data.get("errcode") or 0
        if errcode == 0:
            return
        code, message = _ERRCODES.get(
            errcode,
            (AuthErrorCode.WECHAT_ERROR, f"WeChat refused: {errcode} {data.get('errmsg', '')}"),
        )
        raise DomainError(code, message, "code")

    async def code2session(self, code: str) -> WeChatSession:
        data = await self._call(
            "GET",
            "/sns/jscode2session",
            params={
                "appid": self.appid,
                "secret": self._secret,
                "js_code": code,
                "grant_type": "authorization_code",
            },
        )
        self._raise_for(data)
        if not data.get("openid") or not data.get("session_key"):
            raise DomainError(
                AuthErrorCode.WECHAT_ERROR, "WeChat answered without an openid.", "code"
            )
        return WeChatSession(
            openid=data["openid"],
            unionid=data.get("unionid") or None,
            session_key=data["session_key"],
        )

    async def _fetch_token(self) -> tuple[str, int]:
        data = await self._call(
            "GET",
            "/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self._secret},
        )
        self._raise_for(data)
        token = data.get("access_token")
        if not token:
            raise DomainError(AuthErrorCode.WECHAT_ERROR, "WeChat gave no access token.", "code")
        return token, int(data.get("expires_in", 7200))

    async def send_subscribe_message(
        self,
        openid: str,
        template_id: str,
        data: dict[str, str],
        *,
        page: str = "",
        miniprogram_state: str = "formal",
    ) -> WeChatAnswer:
        """``subscribeMessage.send``: WeChat's answer as it is (the caller decides what each
        errcode means for the message); a stale access token is refreshed once. Raises
        ``WeChatUnreachable`` when there is no answer."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
            "miniprogram_state": miniprogram_state,
            "lang": "zh_CN",
        }
        if page:
            body["page"] = page
        try:
            answer = await self._with_token("POST", "/cgi-bin/message/subscribe/send", json=body)
        except DomainError as exc:  # the token endpoint or the network failed
            raise WeChatUnreachable(exc.message) from exc
        return WeChatAnswer(int(answer.get("errcode") or 0), str(answer.get("errmsg") or ""))

    async def _post_with_token(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` with the app access token; raises for an errcode."""
        data = await self._with_token("POST", path, json=body)
        self._raise_for(data)
        return data

    async def url_link(self, path: str, query: str, expire_days: int) -> str:
        """A URL Link (https://wxaurl.cn/...) opening ``path?query`` of the mini-program,
        valid for ``expire_days`` days (WeChat allows at most 30)."""
        data = await self._post_with_token(
            "/wxa/generate_urllink",
            {"path": path, "query": query, "expire_type": 1, "expire_interval": expire_days},
        )
        link = data.get("url_link")
        if not isinstance(link, str) or not link.startswith("https://"):
            raise DomainError(AuthErrorCode.WECHAT_ERROR, "WeChat gave no URL Link.", "page")
        return link

    async def url_scheme(self, path: str, query: str, expire_days: int) -> str:
        """A URL Scheme (weixin://dl/business/?t=...) opening ``path?query`` of the
        mini-program from an SMS or another app, valid for ``expire_days`` days (at most 30)."""
        data = await self._post_with_token(
            "/wxa/generatescheme",
            {
                "jump_wxa": {"path": path, "query": query},
                "is_expire": True,
                "expire_type": 1,
                "expire_interval": expire_days,
            },
        )
        link = data.get("openlink")
        if not isinstance(link, str) or not link.startswith("weixin://"):
            raise DomainError(AuthErrorCode.WECHAT_ERROR, "WeChat gave no URL Scheme.", "page")
        return link

    async def phone_number(self, code: str) -> WeChatPhone:
        data = await self._post_with_token("/wxa/business/getuserphonenumber", {"code": code})
        info = data.get("phone_info") or {}
        number = info.get("purePhoneNumber") or info.get("phoneNumber")
        if not number:
            raise DomainError(AuthErrorCode.WECHAT_ERROR, "WeChat gave no phone number.", "code")
        return WeChatPhone(
            phone_number=str(number), country_code=str(info.get("countryCode") or "86")
        )
