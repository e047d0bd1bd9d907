"""A real HTTP client for the WeChat mini-program server API (httpx).

code2Session (``/sns/jscode2session``) turns a ``wx.login`` code into openid / unionid;
getuserphonenumber (``/wxa/business/getuserphonenumber``) turns a phone-button code into the
member's number, generate_urllink (``/wxa/generate_urllink``) and generatescheme
(``/wxa/generatescheme``) make a URL Link and a URL Scheme that open a mini-program page from
outside WeChat (a live code's page); all three need an app access token
(``/cgi-bin/token``), which is cached until shortly before it expires. Tests point ``KOC_WECHAT_API_BASE`` at a local fake server.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from koc.auth.errors import AuthErrorCode
from koc.errors import DomainError

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
_STALE_TOKEN = {40001, 42001, 40014}


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


class WeChatClient:
    def __init__(self, api_base: str, appid: str, secret: str, timeout: float = 5.0) -> None:
        self.appid = appid
        self._secret = secret
        self._http = httpx.AsyncClient(base_url=api_base.rstrip("/"), timeout=timeout)
        self._access_token: str | None = None
        self._access_token_expires = 0.0
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, **kwargs)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DomainError(
                AuthErrorCode.WECHAT_UNAVAILABLE, "WeChat could not be reached; try again.", "code"
            ) from exc
        if not isinstance(data, dict):
            raise DomainError(
                AuthErrorCode.WECHAT_UNAVAILABLE, "WeChat gave an unreadable answer.", "code"
            )
        return data

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

    async def _app_access_token(self, *, refresh: bool = False) -> str:
        async with self._token_lock:
            if (
                refresh
                or self._access_token is None
                or time.monotonic() >= self._access_token_expires
            ):
                data = await self._call(
                    "GET",
                    "/cgi-bin/token",
                    params={
                        "grant_type": "client_credential",
                        "appid": self.appid,
                        "secret": self._secret,
                    },
                )
                self._raise_for(data)
                token = data.get("access_token")
                if not token:
                    raise DomainError(
                        AuthErrorCode.WECHAT_ERROR, "WeChat gave no access token.", "code"
                    )
                self._access_token = token
                # Renew five minutes early so a token never expires mid-request.
                self._access_token_expires = time.monotonic() + max(
                    60, int(data.get("expires_in", 7200)) - 300
                )
            return self._access_token

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
            for attempt in range(2):
                token = await self._app_access_token(refresh=attempt > 0)
                answer = await self._call(
                    "POST",
                    "/cgi-bin/message/subscribe/send",
                    params={"access_token": token},
                    json=body,
                )
                errcode = int(answer.get("errcode") or 0)
                if errcode in _STALE_TOKEN and attempt == 0:
                    continue
                return WeChatAnswer(errcode, str(answer.get("errmsg") or ""))
        except DomainError as exc:  # the token endpoint or the network failed
            raise WeChatUnreachable(exc.message) from exc
        return WeChatAnswer(errcode, str(answer.get("errmsg") or ""))

    async def _post_with_token(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` with the app access token, fetching a new token once if WeChat says
        the cached one went stale; raises for any other errcode."""
        for attempt in range(2):
            token = await self._app_access_token(refresh=attempt > 0)
            data = await self._call("POST", path, params={"access_token": token}, json=body)
            if data.get("errcode") in _STALE_TOKEN and attempt == 0:
                continue
            self._raise_for(data)
            return data
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

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
