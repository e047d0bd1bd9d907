"""A real HTTP client for the WeCom server API (httpx): the access token (``/cgi-bin/gettoken``,
cached until shortly before it expires, fetched again once when WeCom calls it stale), the
「联系我」 contact ways of ADVISOR live codes (``externalcontact/add_contact_way``,
``update_contact_way``, ``del_contact_way``) and the external contact an add-contact callback
names (``externalcontact/get``, for its unionid). Tests point ``KOC_WECOM_API_BASE`` at the fake
of ``koc.devtools.wecom``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from koc.errors import DomainError
from koc.livecodes.errors import LiveCodeErrorCode

# WeCom's errcodes for an access token that is invalid or expired.
_STALE_TOKEN = {40014, 42001}


@dataclass(frozen=True)
class ContactWay:
    config_id: str
    qr_code: str


@dataclass(frozen=True)
class ExternalContact:
    external_userid: str
    unionid: str | None
    name: str


def _failed(message: str, field: str | None = None) -> DomainError:
    return DomainError(LiveCodeErrorCode.WECHAT_ERROR, message, field)


class WeComClient:
    def __init__(self, api_base: str, corp_id: str, secret: str, timeout: float = 5.0) -> None:
        self.corp_id = corp_id
        self._secret = secret
        self._http = httpx.AsyncClient(base_url=api_base.rstrip("/"), timeout=timeout)
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    @property
    def configured(self) -> bool:
        return bool(self.corp_id and self._secret)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, **kwargs)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise _failed("WeCom could not be reached; try again.") from exc
        if not isinstance(data, dict):
            raise _failed("WeCom gave an unreadable answer.")
        return data

    async def _access_token(self, *, refresh: bool) -> str:
        if not self.configured:
            raise _failed("WeCom is not configured: set KOC_WECOM_CORP_ID and KOC_WECOM_SECRET.")
        async with self._token_lock:
            if refresh or self._token is None or time.monotonic() >= self._token_expires:
                data = await self._call(
                    "GET",
                    "/cgi-bin/gettoken",
                    params={"corpid": self.corp_id, "corpsecret": self._secret},
                )
                if data.get("errcode") or not data.get("access_token"):
                    raise _failed(f"WeCom refused the credentials: {data.get('errcode')}.")
                self._token = str(data["access_token"])
                self._token_expires = time.monotonic() + max(
                    60, int(data.get("expires_in", 7200)) - 300
                )
            return self._token

    async def _with_token(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        for attempt in range(2):
            token = await self._access_token(refresh=attempt > 0)
            params = {**kwargs.pop("params", {}), "access_token": token}
            data = await self._call(method, path, params=params, **kwargs)
            if data.get("errcode") in _STALE_TOKEN and attempt == 0:
                kwargs["params"] = {k: v for k, v in params.items() if k != "access_token"}
                continue
            if data.get("errcode"):
                raise _failed(f"WeCom refused: {data.get('errcode')} {data.get('errmsg', '')}")
            return data
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    async def add_contact_way(self, state: str, users: Sequence[str], remark: str) -> ContactWay:
        """A QR contact way over ``users`` whose add-contact callbacks carry ``state``."""
        data = await self._with_token(
            "POST",
            "/cgi-bin/externalcontact/add_contact_way",
            json={
                "type": 1 if len(users) == 1 else 2,
                "scene": 2,  # a QR code
                "state": state,
                "user": list(users),
                "skip_verify": True,
                "remark": remark[:30],
            },
        )
        if not data.get("config_id") or not data.get("qr_code"):
            raise _failed("WeCom gave no contact way.")
        return ContactWay(config_id=str(data["config_id"]), qr_code=str(data["qr_code"]))

    async def update_contact_way(self, config_id: str, state: str, users: Sequence[str]) -> None:
        await self._with_token(
            "POST",
            "/cgi-bin/externalcontact/update_contact_way",
            json={"config_id": config_id, "state": state, "user": list(users)},
        )

    async def del_contact_way(self, config_id: str) -> None:
        await self._with_token(
            "POST", "/cgi-bin/externalcontact/del_contact_way", json={"config_id": config_id}
        )

    async def external_contact(self, external_userid: str) -> ExternalContact:
        data = await self._with_token(
            "GET", "/cgi-bin/externalcontact/get", params={"external_userid": external_userid}
        )
        contact = data.get("external_contact") or {}
        if contact.get("external_userid") != external_userid:
            raise _failed("WeCom gave another contact.")
        return ExternalContact(
            external_userid=external_userid,
            unionid=contact.get("unionid") or None,
            name=str(contact.get("name") or "")[:64],
        )
