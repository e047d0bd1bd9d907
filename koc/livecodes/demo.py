"""Demo live codes: the showroom poster (a GROUP code over three owners' groups, one nearly
full), the test-drive page of the mini-program, and a KOC's own share code; the members the
demo's WeChat logins brought in through them, and a day of scans, so the report has figures."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from koc.auth.models import StaffRole, StaffUser
from koc.auth.viewer import StaffViewer
from koc.creators.models import KocProfile, KocStatus
from koc.livecodes.arrivals import record_arrival
from koc.livecodes.models import ArrivalSource, LiveCodeKind, LiveCodeScanCount, LiveCodeTarget
from koc.livecodes.services import LiveCodeData, TargetData, add_target, create_live_code
from koc.members.models import Member

GROUP_IMAGE = "https://static.example.com/groups/owners-club-{}.png"


async def seed(rng: random.Random) -> str:
    staff = await StaffUser.filter(role=StaffRole.OPERATOR).order_by("id").first()
    if staff is None:
        return "no operator to create live codes"
    actor = StaffViewer(staff.id, staff.username, staff.role)
    now = datetime.now(UTC)
    poster = await create_live_code(
        LiveCodeData(
            slug="showroom-poster",
            name="Showroom poster: owners' club",
            kind=LiveCodeKind.GROUP,
            channel="poster",
            low_targets=2,
        ),
        actor=actor,
    )
    for n, days in enumerate((2, 5, 7), start=1):
        await add_target(
            poster.id,
            TargetData(
                expires_at=now + timedelta(days=days),
                label=f"Owners' club {n}",
                image_url=GROUP_IMAGE.format(n),
            ),
            actor=actor,
        )
    await LiveCodeTarget.filter(live_code_id=poster.id, position=1).update(served=187)
    page = await create_live_code(
        LiveCodeData(
            slug="test-drive",
            name="Book a test drive",
            kind=LiveCodeKind.MINI_PROGRAM,
            channel="event",
            page="pages/test-drive/index",
        ),
        actor=actor,
    )
    koc = await KocProfile.filter(status=KocStatus.ACTIVE).order_by("id").first()
    members = list(await Member.filter(unionid__not_isnull=True).order_by("id").limit(200))
    share = await create_live_code(
        LiveCodeData(
            slug="koc-share-1",
            name="A KOC's share card",
            kind=LiveCodeKind.MINI_PROGRAM,
            channel="koc_share",
            page="pages/index/index",
            owner_member_id=koc.member_id if koc else None,  # type: ignore[attr-defined]
        ),
        actor=actor,
    )
    arrivals = 0
    for member in rng.sample(members, min(len(members), 40)):
        code = rng.choice([poster, page, page, share])
        if await record_arrival(code, member.id, ArrivalSource.LOGIN, member_created=False):
            arrivals += 1
    for code, scans in ((poster, 187), (page, 64), (share, 23)):
        for hour in range(24):
            at = (now - timedelta(hours=hour)).replace(minute=0, second=0, microsecond=0)
            count = rng.randint(0, 2 * scans // 24)
            await LiveCodeScanCount.create(live_code_id=code.id, hour=at, scans=count)
    await LiveCodeScanCount.filter(scans=0).delete()
    return f"live codes: 3 codes (GROUP poster with 3 groups, 2 mini-program pages), {arrivals} arrivals"
