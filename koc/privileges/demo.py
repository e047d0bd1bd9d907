"""Demo privileges: KOC salon (seats), lifetime after-sales for owners, a yearly KOC discount,
a holiday gift for ambassadors, conference tickets granted by staff; some RSVPs and uses."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from koc.members.audience import Audience
from koc.members.models import LifecycleStage, StageAutoRule
from koc.privileges.catalogue import PrivilegeData, define_privilege, get_privilege
from koc.privileges.eligibility import refresh_grants
from koc.privileges.grants import grant_privilege
from koc.privileges.models import (
    Channel,
    PrivilegeGrant,
    PrivilegeKind,
    QuotaPeriod,
    RedeemedVia,
)
from koc.privileges.redemption import redeem
from koc.privileges.seats import reserve_seat


async def seed(rng: random.Random) -> str:
    now = datetime.now(UTC).replace(microsecond=0)
    # Active KOCs, or members on the KOC stage of the pipeline (either is enough).
    koc_stages = await LifecycleStage.filter(auto_rule=StageAutoRule.KOC).values_list(
        "code", flat=True
    )
    kocs = Audience(
        {"any": [{"koc": {"statuses": ["ACTIVE"]}}, {"stage": {"in": list(koc_stages)}}]}
        if koc_stages
        else {"koc": {"statuses": ["ACTIVE"]}}
    )
    buyers = await LifecycleStage.filter(
        auto_rule__in=[StageAutoRule.FIRST_ORDER, StageAutoRule.REPEAT_ORDER, StageAutoRule.KOC]
    ).values_list("code", flat=True)
    specs = [
        PrivilegeData(
            code="KOC_SALON_SPRING",
            name="Spring KOC salon",
            kind=PrivilegeKind.EVENT,
            description="An evening with the product team at the Shanghai flagship store.",
            audience=kocs,
            starts_at=now + timedelta(days=21),
            ends_at=now + timedelta(days=21, hours=4),
            total_stock=30,
            channel=Channel.STORE,
        ),
        PrivilegeData(
            code="LIFETIME_AFTER_SALES",
            name="Lifetime after-sales",
            kind=PrivilegeKind.AFTER_SALES,
            description="Free inspection and detailing, twice a year, for owners.",
            audience=Audience({"stage": {"in": list(buyers)}}),
            quota=2,
            quota_period=QuotaPeriod.YEAR,
            channel=Channel.STORE,
        ),
        PrivilegeData(
            code="KOC_DISCOUNT",
            name="KOC accessory discount",
            kind=PrivilegeKind.DISCOUNT,
            description="15% off accessories in the mini-program shop, once a year.",
            audience=kocs,
            quota_period=QuotaPeriod.YEAR,
            channel=Channel.ONLINE,
        ),
        PrivilegeData(
            code="HOLIDAY_GIFT",
            name="Spring Festival gift box",
            kind=PrivilegeKind.GIFT,
            description="Collect it at your store before the Lantern Festival.",
            audience=Audience({"badges": {"any": ["AMBASSADOR_BRONZE", "KOC"]}}),
            total_stock=200,
            grant_days=60,
        ),
        PrivilegeData(
            code="CONFERENCE_TICKET",
            name="Brand conference ticket",
            kind=PrivilegeKind.TICKET,
            description="A seat at the annual brand conference, by invitation.",
            ends_at=now + timedelta(days=90),
            total_stock=10,
        ),
    ]
    granted = 0
    for data in specs:
        privilege = await define_privilege(data, actor=None)
        async with in_transaction():  # the demo grants at once; the API queues a job
            granted += (await refresh_grants(privilege)).granted
    invited = 0
    koc_grants = await PrivilegeGrant.filter(privilege__code="KOC_DISCOUNT").values_list(
        "member_id", flat=True
    )
    for member_id in rng.sample(list(koc_grants), min(len(koc_grants), 5)):
        await grant_privilege(member_id, "CONFERENCE_TICKET", reason="Top contributor of the year")
        invited += 1
    rsvps = uses = 0
    salon = await get_privilege("KOC_SALON_SPRING")
    for member_id in rng.sample(list(koc_grants), min(len(koc_grants), 12)):
        await reserve_seat(member_id, salon.id)
        rsvps += 1
    after_sales = await get_privilege("LIFETIME_AFTER_SALES")
    owners = await PrivilegeGrant.filter(privilege_id=after_sales.id).values_list(
        "member_id", flat=True
    )
    for member_id in rng.sample(list(owners), min(len(owners), 25)):
        await redeem(
            member_id,
            after_sales.id,
            channel=Channel.STORE,
            via=RedeemedVia.STAFF,
            idempotency_key=f"demo-{member_id}",
        )
        uses += 1
    return (
        f"privileges: {len(specs)} privileges, {granted} automatic grants, {invited} invitations, "
        f"{rsvps} salon RSVPs, {uses} after-sales uses"
    )
