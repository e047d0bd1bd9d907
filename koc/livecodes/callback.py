"""WeCom's callback URL, ``/wecom/callback``: the URL check (GET, echo the decrypted
``echostr``) and the add-contact event (POST) of a customer who added an advisor through an
ADVISOR live code's contact way.

Every request's signature is verified and its message decrypted as WeCom's callback
specification says (``koc.livecodes.wecom_crypto``); a request signed more than
``MAX_AGE_SECONDS`` ago is refused, so a captured request cannot be replayed later, and one
replayed within that time (WeCom itself retries) changes nothing: the arrival is recorded once
per member and code. In one transaction the member is found by the contact, else by unionid,
else created; the code's tags are added, the advisor becomes their owner, and a KOC's code
binds the referral.
"""

from __future__ import annotations

import logging
import time
from xml.etree import ElementTree

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from koc.errors import DomainError
from koc.livecodes import rules
from koc.livecodes.arrivals import record_arrival
from koc.livecodes.models import (
    ArrivalSource,
    LiveCode,
    LiveCodeAdvisor,
    LiveCodeKind,
    WeComContact,
)
from koc.livecodes.owners import assign_to_advisor
from koc.livecodes.wecom import ExternalContact, WeComClient
from koc.livecodes.wecom_crypto import CallbackRefused, decrypt, verify
from koc.members.models import Member
from koc.members.services import first_stage_id
from koc.settings import Settings

logger = logging.getLogger("koc.livecodes")
MAX_AGE_SECONDS = 300
MAX_BODY_BYTES = 64 * 1024


def _refused(reason: str) -> Response:
    logger.warning("WeCom callback refused: %s", reason)
    return PlainTextResponse("refused", status_code=403)


def _checked(request: Request, encrypted: str) -> bytes:
    """The decrypted message of a request, or ``CallbackRefused``."""
    settings: Settings = request.app.state.settings
    if not (settings.wecom_callback_token and settings.wecom_encoding_aes_key):
        raise CallbackRefused("WeCom callbacks are not configured")
    q = request.query_params
    timestamp, nonce, given = q.get("timestamp", ""), q.get("nonce", ""), q.get("msg_signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
        raise CallbackRefused("timestamp missing or too old")
    verify(settings.wecom_callback_token, timestamp, nonce, encrypted, given)
    return decrypt(settings.wecom_encoding_aes_key, encrypted, settings.wecom_corp_id)


def _xml(data: bytes) -> dict[str, str]:
    """The child elements of an XML document as text; no DTD (nor entities) accepted."""
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise CallbackRefused("XML with a DTD")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise CallbackRefused("not XML") from exc
    return {child.tag: (child.text or "").strip() for child in root}


async def verify_url(request: Request) -> Response:
    try:
        echo = _checked(request, request.query_params.get("echostr", ""))
    except CallbackRefused as exc:
        return _refused(str(exc))
    return PlainTextResponse(echo.decode())


async def receive(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return _refused("body too large")
    try:
        event = _xml(_checked(request, _xml(body).get("Encrypt", "")))
    except CallbackRefused as exc:
        return _refused(str(exc))
    if (
        event.get("Event") == "change_external_contact"
        and event.get("ChangeType") == "add_external_contact"
    ):
        try:
            await contact_added(
                request.app.state.wecom,
                event.get("State", ""),
                event.get("ExternalUserID", ""),
                event.get("UserID", ""),
            )
        except DomainError as exc:
            # WeCom retries a callback that fails: say so, and let it.
            logger.warning("WeCom add-contact not processed: %s", exc.message)
            return PlainTextResponse("retry", status_code=503)
    return PlainTextResponse("success")


async def contact_added(wecom: WeComClient, state: str, external_userid: str, userid: str) -> bool:
    """A customer added advisor ``userid``; when ``state`` names an ADVISOR code, they arrive
    through it. Returns whether an arrival was recorded (False: another channel, or a replay)."""
    slug = rules.slug_of_scene(state)
    code = await LiveCode.get_or_none(slug=slug, kind=LiveCodeKind.ADVISOR) if slug else None
    if code is None or not external_userid:
        return False
    known = await WeComContact.get_or_none(external_userid=external_userid)
    contact = None if known else await wecom.external_contact(external_userid)
    try:
        async with in_transaction():
            member_id, created = await _member_of(known, contact, state)
            if known is None:
                await WeComContact.create(external_userid=external_userid, member_id=member_id)
            arrival = await record_arrival(
                code, member_id, ArrivalSource.WECOM, member_created=created, advisor_userid=userid
            )
            if arrival is None:
                return False
            advisor = await LiveCodeAdvisor.get_or_none(live_code_id=code.id, wecom_userid=userid)
            await assign_to_advisor(member_id, advisor.staff_id if advisor else None)  # type: ignore[attr-defined]
    except IntegrityError:
        return False  # a concurrent twin of this callback recorded the contact first
    return True


async def _member_of(
    known: WeComContact | None, contact: ExternalContact | None, state: str
) -> tuple[int, bool]:
    """The member of a contact, and whether they were created now."""
    if known is not None:
        return known.member_id, False  # type: ignore[attr-defined]
    unionid = contact.unionid if contact else None
    member = await Member.get_or_none(unionid=unionid) if unionid else None
    if member is not None:
        return member.id, False
    member = await Member.create(
        unionid=unionid, source_channel=state[:64], stage_id=await first_stage_id()
    )
    return member.id, True


ROUTES = [
    Route("/wecom/callback", verify_url, methods=["GET"]),
    Route("/wecom/callback", receive, methods=["POST"]),
]
