"""A MINI_PROGRAM code's links into the mini-program: the URL Link its page redirects to and the
URL Scheme for SMS and other apps, made by WeChat on the first scan (or when staff ask), kept on
the code and renewed a day before they lapse. Both open the code's page with
``scene=lc-<slug>``, which the mini-program passes to ``memberLogin`` as the channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from koc.auth.wechat import WeChatClient
from koc.errors import DomainError
from koc.livecodes import rules
from koc.livecodes.errors import LiveCodeErrorCode
from koc.livecodes.models import LiveCode, LiveCodeKind

RENEW_BEFORE = timedelta(days=1)


def link_query(code: LiveCode) -> str:
    return urlencode({"scene": rules.scene_of(code.slug)})


async def current_url_link(
    code: LiveCode, wechat: WeChatClient, days: int, at: datetime | None = None
) -> str:
    """The code's URL Link, made anew (with its URL Scheme) when it has none or it lapses
    within a day. Raises ``DomainError`` when WeChat refuses or cannot be reached."""
    at = at or datetime.now(UTC)
    expires = code.url_link_expires_at
    if not (code.url_link and expires is not None and expires - RENEW_BEFORE > at):
        await refresh_links(code, wechat, days, at)
    return code.url_link


async def refresh_links(
    code: LiveCode, wechat: WeChatClient, days: int, at: datetime | None = None
) -> LiveCode:
    """Make the code's URL Link and URL Scheme anew and keep them on the code."""
    if code.kind is not LiveCodeKind.MINI_PROGRAM:
        raise DomainError(LiveCodeErrorCode.WRONG_KIND, "Only MINI_PROGRAM codes have links.", "id")
    at = at or datetime.now(UTC)
    try:
        link = await wechat.url_link(code.page, link_query(code), days)
        scheme = await wechat.url_scheme(code.page, link_query(code), days)
    except DomainError as exc:
        raise DomainError(LiveCodeErrorCode.WECHAT_ERROR, exc.message, "page") from exc
    code.url_link, code.url_scheme = link, scheme
    code.url_link_expires_at = at + timedelta(days=days)
    await LiveCode.filter(id=code.id).update(
        url_link=link, url_scheme=scheme, url_link_expires_at=code.url_link_expires_at
    )
    return code
