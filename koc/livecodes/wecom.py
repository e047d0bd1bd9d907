"""A real HTTP client for the WeCom server API (httpx): the access token (``/cgi-bin/gettoken``,
cached until shortly before it expires, fetched again once when WeCom calls it stale), the
「联系我」 contact ways of ADVISOR live codes (``externalcontact/add_contact_way``,
``update_contact_way``, ``del_contact_way``) and the external contact an add-contact callback
names (``externalcontact/get``, for its unionid). Tests point ``KOC_WECOM_API_BASE`` at the fake
of ``koc.devtools.wecom``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from koc.errors import DomainError
from koc.livecodes.errors import LiveCodeErrorCode
from koc.serverapi import ServerApiClient

# WeCom's errcodes for an access token that is invalid or expired.
_STALE_TOKEN = frozenset({40014, 42001})


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


class WeComClient(ServerApiClient):
    name = "WeCom"
    stale_token_errcodes = _STALE_TOKEN

    def __init__(self, api_base: str, corp_id: str, secret: str, timeout: float = 5.0) -> None:
        super().__init__(api_base, timeout)
        self.corp_id = corp_id
        self._secret = secret

    @property
    def configured(self) -> bool:
        return bool(self.corp_id and self._secret)

    def _unreachable(self, message: str) -> DomainError:
        return _failed(message)

    async def _fetch_token(self) -> tuple[str, int]:
        if not self.configured:
            raise _failed("WeCom is not configured: set KOC_WECOM_CORP_ID and KOC_WECOM_SECRET.")
        data = await self._call(
            "GET", "/cgi-bin/gettoken", params={"corpid": self.corp_id, "corpsecret": self._secret}
        )
        if data.get("errcode") or not data.get("access_token"):
            raise _failed(f"WeCom refused the credentials: {data.get('errcode')}.")
        return str(data["access_token"]), int(data.get("expires_in", 7200))

    async def _answer(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """WeCom's answer to a call with the access token; raises for an errcode."""
        data = await self._with_token(method, path, **kwargs)
        if data.get("errcode"):
            raise _failed(f"WeCom refused: {data.get('errcode')} {data.get('errmsg', '')}")
        return data

    async def add_contact_way(self, state: str, users: Sequence[str], remark: str) -> ContactWay:
        """A QR contact way over ``users`` whose add-contact callbacks carry ``state``."""
        data = await self._answer(
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
        await self._answer(
            "POST",
            "/cgi-bin/externalcontact/update_contact_way",
            json={"config_id": config_id, "state": state, "user": list(users)},
        )

    async def del_contact_way(self, config_id: str) -> None:
        await self._answer(
            "POST", "/cgi-bin/externalcontact/del_contact_way", json={"config_id": config_id}
        )

    async def external_contact(self, external_userid: str) -> ExternalContact:
        data = await self._answer(
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
