"""Member sessions: WeChat login and phone binding."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from koc.auth.errors import AuthErrorCode
from koc.auth.services import TokenPair, issue_member_tokens
from koc.auth.wechat import WeChatClient
from koc.errors import DomainError
from koc.events import MemberLoggedIn, publish
from koc.members.models import Member, MemberIdentity
from koc.members.phones import normalize_phone
from koc.members.services import first_stage_id
from koc.orders.prospects import merge_prospect
from koc.settings import Settings

MAX_CODE_LENGTH = 128


def _check_code(code: str) -> str:
    code = code.strip()
    if not 1 <= len(code) <= MAX_CODE_LENGTH:
        raise DomainError(AuthErrorCode.INVALID_CODE, "The code is empty or too long.", "code")
    return code


async def member_login(
    settings: Settings, wechat: WeChatClient, code: str, channel: str | None = None
) -> tuple[Member, TokenPair, bool]:
    """Exchange a ``wx.login`` code for a session; creates the member on first login.

    The session_key WeChat returns is not stored: phone numbers come through the newer
    getuserphonenumber API, which does not need it, so the secret never lands in the database.
    Returns (member, tokens, created).
    """
    code = _check_code(code)
    if channel is not None and len(channel) > 64:
        raise DomainError(AuthErrorCode.INVALID, "channel is at most 64 characters.", "channel")
    session = await wechat.code2session(code)
    now = datetime.now(UTC)
    created = False
    async with in_transaction():
        identity = await MemberIdentity.get_or_none(
            appid=wechat.appid, openid=session.openid
        ).select_related("member")
        if identity is not None:
            member = identity.member
        else:
            # The same person may be known already by unionid (another of the brand's apps,
            # or a partner's report): attach this app's openid to that member.
            member = await Member.get_or_none(unionid=session.unionid) if session.unionid else None
            if member is None:
                member = await Member.create(
                    unionid=session.unionid,
                    source_channel=channel or "",
                    stage_id=await first_stage_id(),
                )
                created = True
            try:
                async with in_transaction():
                    await MemberIdentity.create(
                        member_id=member.id, appid=wechat.appid, openid=session.openid
                    )
            except IntegrityError as exc:
                raise DomainError(
                    AuthErrorCode.WECHAT_ERROR, "Concurrent login; try again.", "code"
                ) from exc
        updates: dict[str, object] = {"last_active_at": now}
        if session.unionid and member.unionid is None:
            updates["unionid"] = session.unionid
        await Member.filter(id=member.id).update(**updates)
        for key, value in updates.items():
            setattr(member, key, value)
        await publish(MemberLoggedIn(member=member, created=created, channel=channel))
        tokens = await issue_member_tokens(settings, member.id)
    return member, tokens, created


async def bind_phone(wechat: WeChatClient, member_id: int, code: str) -> Member:
    """Fetch the member's phone from WeChat with the phone button's code and store it."""
    code = _check_code(code)
    info = await wechat.phone_number(code)
    raw = (
        info.phone_number
        if info.phone_number.startswith("+")
        else f"+{info.country_code}{info.phone_number}"
    )
    phone = normalize_phone(raw)
    if phone is None:
        raise DomainError(
            AuthErrorCode.WECHAT_ERROR, "WeChat gave a number that is not valid.", "code"
        )
    async with in_transaction():
        member = await Member.get(id=member_id).select_for_update()
        if member.phone == phone:
            return member
        other = await Member.get_or_none(phone=phone)
        if other is not None and other.id != member_id:
            if await MemberIdentity.exists(member_id=other.id):
                raise DomainError(
                    AuthErrorCode.PHONE_IN_USE, "This number belongs to another member.", "code"
                )
            # A prospect a partner reported by this phone before the person logged in: it is
            # this member, so its history moves here.
            await merge_prospect(other, into=member)
        member.phone = phone
        await member.save(update_fields=["phone"])
    return member
