"""Demo badges: families earned by rules (owner, veteran, ambassador, event-goer, creator,
KOC) and a hidden founding-member badge awarded by staff to a few early members.

Defining an automatic badge awards it at once to every member who already qualifies, so the
rule badges land on the foundation demo's buyers, event-goers and (after the creators demo)
KOCs. Attended events recorded before this module was imported are counted here first.
"""

from __future__ import annotations

import random

from tortoise.transactions import in_transaction

from koc.auth.models import StaffRole, StaffUser
from koc.auth.viewer import StaffViewer
from koc.badges.awards import award_badge, award_qualifying
from koc.badges.definitions import BadgeData, define_badge
from koc.badges.models import BadgeRule, MemberSignal, SignalKind
from koc.members.models import Member
from koc.orders.models import MemberEvent, MemberEventKind

IMAGE = "https://static.example.com/badges/{}.png"

DEFINITIONS = [
    # code, family, level, name, rule, threshold, role, description
    ("OWNER", "Owner", 1, "Owner", BadgeRule.YEARS_SINCE_FIRST_ORDER, 0, "", "Bought from us."),
    (
        "VETERAN_1Y",
        "Veteran",
        1,
        "One year with us",
        BadgeRule.YEARS_SINCE_FIRST_ORDER,
        1,
        "",
        "A year since the first purchase.",
    ),
    (
        "VETERAN_3Y",
        "Veteran",
        2,
        "Three years with us",
        BadgeRule.YEARS_SINCE_FIRST_ORDER,
        3,
        "",
        "Three years since the first purchase.",
    ),
    (
        "AMBASSADOR_BRONZE",
        "Ambassador",
        1,
        "Bronze ambassador",
        BadgeRule.REFERRALS_CONVERTED,
        1,
        "",
        "A friend bought on your recommendation.",
    ),
    (
        "AMBASSADOR_SILVER",
        "Ambassador",
        2,
        "Silver ambassador",
        BadgeRule.REFERRALS_CONVERTED,
        3,
        "",
        "Three friends bought on your recommendation.",
    ),
    (
        "AMBASSADOR_GOLD",
        "Ambassador",
        3,
        "Gold ambassador",
        BadgeRule.REFERRALS_CONVERTED,
        10,
        "",
        "Ten friends bought on your recommendation.",
    ),
    (
        "EVENT_GOER",
        "Event goer",
        1,
        "Event goer",
        BadgeRule.EVENTS_ATTENDED,
        1,
        "",
        "Came to a brand event.",
    ),
    (
        "EVENT_REGULAR",
        "Event goer",
        2,
        "Event regular",
        BadgeRule.EVENTS_ATTENDED,
        3,
        "",
        "Came to three brand events.",
    ),
    (
        "CREATOR",
        "Creator",
        1,
        "Creator",
        BadgeRule.SUBMISSIONS_APPROVED,
        1,
        "",
        "Content approved in a campaign.",
    ),
    ("KOC", "KOC", 1, "KOC", BadgeRule.KOC_ROLE, 0, "", "A recognised brand KOC."),
]


async def _actor() -> StaffViewer | None:
    staff = await StaffUser.filter(role=StaffRole.OPERATOR).order_by("id").first()
    return StaffViewer(staff.id, staff.username, staff.role) if staff else None


async def seed(rng: random.Random) -> str:
    events = await MemberEvent.filter(kind=MemberEventKind.EVENT_ATTENDED).values_list(
        "id", "member_id"
    )
    await MemberSignal.bulk_create(
        [
            MemberSignal(
                member_id=m, kind=SignalKind.EVENT_ATTENDED, source_key=f"event:{e}", subject_id=e
            )
            for e, m in events
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    actor = await _actor()
    awarded = 0
    for code, family, level, name, rule, threshold, role, text in DEFINITIONS:
        data = BadgeData(
            code=code,
            name=name,
            family=family,
            level=level,
            description=text,
            image_url=IMAGE.format(code.lower()),
            rule=rule,
            threshold=threshold,
            koc_role=role,
        )
        badge = await define_badge(data, actor=actor)
        async with in_transaction():  # the demo awards at once; the API queues a job
            awarded += await award_qualifying(badge)
    founding = await define_badge(
        BadgeData(
            code="FOUNDING_MEMBER",
            name="Founding member",
            family="Founding member",
            description="One of the first members of the owners club.",
            image_url=IMAGE.format("founding_member"),
            visible=False,
        ),
        actor=actor,
    )
    early = await Member.all().order_by("created_at", "id").limit(40).values_list("id", flat=True)
    manual = 0
    if actor is not None:
        for member_id in rng.sample(list(early), min(len(early), 6)):
            await award_badge(
                member_id, founding.id, "Joined the owners club in its first month", actor=actor
            )
            manual += 1
    return (
        f"badges: {len(DEFINITIONS) + 1} badges, {awarded} awarded by rules, "
        f"{manual} founding-member awards by staff"
    )
