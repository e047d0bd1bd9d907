"""ADVISOR live codes: koc creates the WeCom contact way (「联系我」) over the code's advisors with
``state`` naming the code, and keeps it in step when the advisors change.

WeCom is called before the database is written (a refused contact way writes nothing); a
contact way whose row then fails to be written is deleted again, so WeCom is left with none
that koc does not know."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from koc.audit import services as audit
from koc.auth.models import StaffUser
from koc.auth.viewer import StaffViewer
from koc.errors import DomainError
from koc.livecodes import rules
from koc.livecodes.errors import LiveCodeErrorCode
from koc.livecodes.models import LiveCode, LiveCodeAdvisor, LiveCodeKind
from koc.livecodes.services import LiveCodeData, create_live_code, get_code
from koc.livecodes.wecom import WeComClient

USERID_RE = re.compile(r"[A-Za-z0-9_.@\-]{1,64}")
MAX_ADVISORS = 100  # WeCom's limit per contact way


@dataclass(frozen=True)
class Advisor:
    wecom_userid: str
    staff_id: int | None = None


async def _check_advisors(advisors: Sequence[Advisor]) -> list[Advisor]:
    if not 1 <= len(advisors) <= MAX_ADVISORS:
        raise DomainError(LiveCodeErrorCode.INVALID, f"Give 1-{MAX_ADVISORS} advisors.", "advisors")
    seen: dict[str, Advisor] = {}
    for n, a in enumerate(advisors):
        if not USERID_RE.fullmatch(a.wecom_userid):
            raise DomainError(
                LiveCodeErrorCode.INVALID,
                "A WeCom userid is 1-64 letters, digits or _ . @ -.",
                f"advisors.{n}.wecomUserid",
            )
        seen[a.wecom_userid] = a
    staff_ids = {a.staff_id for a in seen.values() if a.staff_id is not None}
    if staff_ids and await StaffUser.filter(id__in=list(staff_ids)).count() != len(staff_ids):
        raise DomainError(LiveCodeErrorCode.NOT_FOUND, "No such staff user.", "advisors")
    return list(seen.values())


async def create_advisor_code(
    data: LiveCodeData, advisors: Sequence[Advisor], wecom: WeComClient, *, actor: StaffViewer
) -> LiveCode:
    """Create an ADVISOR code and its WeCom contact way."""
    if data.kind is not LiveCodeKind.ADVISOR:
        raise DomainError(
            LiveCodeErrorCode.WRONG_KIND, "Only ADVISOR codes have advisors.", "advisors"
        )
    if not rules.valid_slug(data.slug):
        raise DomainError(
            LiveCodeErrorCode.INVALID, "A slug is 3-27 lower-case letters, digits or '-'.", "slug"
        )
    advisors = await _check_advisors(advisors)
    if await LiveCode.exists(slug=data.slug):
        raise DomainError(LiveCodeErrorCode.SLUG_TAKEN, "Another live code has this slug.", "slug")
    way = await wecom.add_contact_way(
        rules.scene_of(data.slug), [a.wecom_userid for a in advisors], data.name
    )
    try:
        async with in_transaction():
            code = await create_live_code(
                data, actor=actor, wecom_config_id=way.config_id, wecom_qr_code=way.qr_code
            )
            await LiveCodeAdvisor.bulk_create(
                LiveCodeAdvisor(
                    live_code_id=code.id, wecom_userid=a.wecom_userid, staff_id=a.staff_id
                )
                for a in advisors
            )
    except BaseException:
        await wecom.del_contact_way(way.config_id)
        raise
    return code


async def set_advisors(
    code_id: int, advisors: Sequence[Advisor], wecom: WeComClient, *, actor: StaffViewer
) -> LiveCode:
    """Replace an ADVISOR code's advisors, in WeCom's contact way first."""
    advisors = await _check_advisors(advisors)
    code = await get_code(code_id)
    if code.kind is not LiveCodeKind.ADVISOR:
        raise DomainError(LiveCodeErrorCode.WRONG_KIND, "Only ADVISOR codes have advisors.", "id")
    await wecom.update_contact_way(
        code.wecom_config_id, rules.scene_of(code.slug), [a.wecom_userid for a in advisors]
    )
    async with in_transaction():
        before = await LiveCodeAdvisor.filter(live_code_id=code.id).values_list(
            "wecom_userid", flat=True
        )
        await LiveCodeAdvisor.filter(live_code_id=code.id).delete()
        await LiveCodeAdvisor.bulk_create(
            LiveCodeAdvisor(live_code_id=code.id, wecom_userid=a.wecom_userid, staff_id=a.staff_id)
            for a in advisors
        )
        await audit.record(
            actor,
            "live_code.advisors_set",
            "LiveCode",
            code.id,
            before={"advisors": sorted(before)},
            after={"advisors": sorted(a.wecom_userid for a in advisors)},
        )
    return code
