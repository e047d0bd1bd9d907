"""What koc's clients of Tencent's server APIs (WeChat's in ``koc.auth.wechat``, WeCom's in
``koc.livecodes.wecom``) share: JSON over one kept-alive httpx client, and the access token
every call carries, fetched on first use, kept until five minutes before it expires and
fetched again once when the server calls it stale.

A subclass says how its token is fetched and which error its callers get when the server
cannot be reached; what each answer's errcode means stays with the subclass.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from typing import Any

import httpx


class ServerApiClient(ABC):
    name: str  # the server, as error messages name it: "WeChat"
    stale_token_errcodes: frozenset[int]  # the errcodes saying the token is invalid or expired

    def __init__(self, api_base: str, timeout: float) -> None:
        self._http = httpx.AsyncClient(base_url=api_base.rstrip("/"), timeout=timeout)
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    @abstractmethod
    def _unreachable(self, message: str) -> Exception:
        """The error a caller gets when there is no readable answer."""

    @abstractmethod
    async def _fetch_token(self) -> tuple[str, int]:
        """A new access token and its lifetime in seconds, from the server."""

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """The server's JSON answer, whatever its errcode."""
        try:
            response = await self._http.request(method, path, **kwargs)
            response.raise_for_status()
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise self._unreachable(f"{self.name} could not be reached; try again.") from exc
        if not isinstance(data, dict):
            raise self._unreachable(f"{self.name} gave an unreadable answer.")
        return data

    async def _access_token(self, *, refresh: bool = False) -> str:
        async with self._token_lock:
            if refresh or self._token is None or time.monotonic() >= self._token_expires:
                self._token, expires_in = await self._fetch_token()
                # Renew five minutes early so a token never expires mid-request.
                self._token_expires = time.monotonic() + max(60, expires_in - 300)
            return self._token

    async def _with_token(
        self, method: str, path: str, params: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """The answer to a call carrying the access token; a token the server calls stale is
        fetched again and the call made once more."""
        for attempt in range(2):
            token = await self._access_token(refresh=attempt > 0)
            data = await self._call(
                method, path, params={**(params or {}), "access_token": token}, **kwargs
            )
            if data.get("errcode") not in self.stale_token_errcodes:
                break
        return data
