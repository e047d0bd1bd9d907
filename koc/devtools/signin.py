"""Member sign-in without a WeChat account: ``koc dev wechat`` and ``koc member-token``.

``koc dev wechat`` serves WeChat's API (``koc.devtools.wechat``) where the login code names
who signs in: ``member-12`` is member 12 (any member with a WeChat identity in this app, such
as the demo's), any other code a new WeChat user of its own (the same code, the same user),
and the phone code ``phone-13800138000`` that number. Point ``KOC_WECHAT_API_BASE`` at it and
``memberLogin`` runs exactly as in production: the front end needs no test branch, nor does koc.

``koc member-token`` issues a session for a member straight from the database, for support
and scripts; each one is written to the audit log.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import re
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from koc.audit import services as audit
from koc.auth.errors import AuthErrorCode
from koc.auth.services import TokenPair, issue_member_tokens
from koc.devtools.wechat import LoginAnswer, WeChatServer
from koc.errors import DomainError
from koc.members.models import Member, MemberIdentity
from koc.settings import Settings

MEMBER_CODE = re.compile(r"member-(\d{1,18})")
PHONE_CODE = re.compile(r"phone-(\+?\d{6,15})")


@dataclass(frozen=True)
class SignInCode:
    code: str
    nickname: str
    region: str


async def _identity(appid: str, member_id: int) -> LoginAnswer | None:
    identity = await MemberIdentity.get_or_none(appid=appid, member_id=member_id).select_related(
        "member"
    )
    return None if identity is None else (identity.openid, identity.member.unionid)


def _new_user(code: str) -> LoginAnswer:
    digest = hashlib.sha256(code.encode()).hexdigest()[:24]
    return f"dev-{digest}", f"dev-union-{digest}"


@contextmanager
def dev_wechat_server(settings: Settings, host: str, port: int) -> Iterator[WeChatServer]:
    """The development WeChat server, answering from the database through the running event
    loop (its HTTP handlers run on their own threads)."""
    loop = asyncio.get_running_loop()
    # The database connection lives in this context (Tortoise keeps it in a context variable);
    # lookups asked for by the server's threads run on the loop inside it.
    context = contextvars.copy_context()

    def on_loop(lookup: Coroutine[Any, Any, LoginAnswer | None]) -> LoginAnswer | None:
        answer: Future[LoginAnswer | None] = Future()

        def start() -> None:
            task = loop.create_task(lookup)
            task.add_done_callback(
                lambda t: (
                    answer.set_exception(exc)
                    if (exc := t.exception())
                    else answer.set_result(t.result())
                )
            )

        loop.call_soon_threadsafe(start, context=context)
        return answer.result(timeout=10)

    def resolve_login(code: str) -> LoginAnswer | None:
        if match := MEMBER_CODE.fullmatch(code):
            return on_loop(_identity(settings.wechat_appid, int(match[1])))
        return _new_user(code)

    def resolve_phone(code: str) -> str | None:
        match = PHONE_CODE.fullmatch(code)
        return match[1] if match else None

    server = WeChatServer(
        settings.wechat_appid,
        settings.wechat_secret,
        host,
        port,
        resolve_login=resolve_login,
        resolve_phone=resolve_phone,
    ).start()
    try:
        yield server
    finally:
        server.stop()


async def sign_in_codes(appid: str, limit: int = 10) -> list[SignInCode]:
    """Codes that sign in as existing members of the app, the most recently active first."""
    identities = (
        await MemberIdentity.filter(appid=appid)
        .select_related("member")
        .order_by("-member__last_active_at", "member_id")
        .limit(limit)
    )
    return [
        SignInCode(f"member-{i.member_id}", i.member.nickname, i.member.region) for i in identities
    ]


async def issue_member_session(settings: Settings, member_id: int, reason: str) -> TokenPair:
    """A session for ``member_id`` issued by an operator at the command line, audited."""
    reason = reason.strip()
    if not 1 <= len(reason) <= 200:
        raise DomainError(AuthErrorCode.INVALID, "Give a reason of 1-200 characters.", "reason")
    if not await Member.exists(id=member_id):
        raise DomainError(AuthErrorCode.NOT_FOUND, f"No member {member_id}.", "memberId")
    tokens = await issue_member_tokens(settings, member_id)
    await audit.record(
        None,
        "member.session_issued",
        "Member",
        member_id,
        after={"reason": reason},
        actor_label="cli",
    )
    return tokens
