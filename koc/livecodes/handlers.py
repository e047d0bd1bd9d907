"""How live codes react to what the rest of koc records: a member's login whose channel is a
live code's scene (``lc-<slug>``) is an arrival through that code. Connected on import."""

from __future__ import annotations

from typing import Any

from koc import hooks
from koc.livecodes import rules
from koc.livecodes.arrivals import record_arrival
from koc.livecodes.models import ArrivalSource, LiveCode
from koc.members.models import Member


async def on_member_logged_in(
    member: Member, created: bool, channel: str | None = None, **_: Any
) -> None:
    slug = rules.slug_of_scene(channel)
    if slug is None:
        return
    code = await LiveCode.get_or_none(slug=slug, active=True)
    if code is not None:
        await record_arrival(code, member.id, ArrivalSource.LOGIN, member_created=created)


hooks.member_logged_in.connect(on_member_logged_in)
