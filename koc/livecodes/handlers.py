"""How live codes react to what the rest of koc records: a member's login whose channel is a
live code's scene (``lc-<slug>``) is an arrival through that code. koc/wiring.py subscribes it."""

from __future__ import annotations

from koc.events import MemberLoggedIn
from koc.livecodes import rules
from koc.livecodes.arrivals import record_arrival
from koc.livecodes.models import ArrivalSource, LiveCode


async def on_member_logged_in(event: MemberLoggedIn) -> None:
    slug = rules.slug_of_scene(event.channel)
    if slug is None:
        return
    code = await LiveCode.get_or_none(slug=slug, active=True)
    if code is not None:
        await record_arrival(
            code, event.member.id, ArrivalSource.LOGIN, member_created=event.created
        )
