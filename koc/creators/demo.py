"""Demo data of the creators feature, on top of the foundation demo (members, orders, events).

Rebuilds every member's discovery signals, adds hosted test drives for a few owners, makes KOCs
of each role from the top candidates (applications and nominations, approved), leaves some
applications in the queue (one rejected), and runs recruitment campaigns with sign-ups,
submissions, ratings and a promotion.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from koc.auth.models import PartnerToken, StaffRole, StaffUser
from koc.auth.viewer import StaffViewer
from koc.creators import campaigns, services, signals
from koc.creators.models import KocProfile, KocRole, MemberSignals
from koc.members.audience import Audience
from koc.members.models import LifecycleStage, Member, StageAutoRule
from koc.orders.models import MemberEventKind
from koc.orders.services import MemberRef, record_member_event
from koc.settings import get_settings

STATEMENTS = {
    KocRole.CONTENT: "I post a weekly video about life with the car and my followers ask a lot.",
    KocRole.EXPERIENCE: "Friends keep asking me for test drives; happy to host them at the store.",
    KocRole.CO_CREATION: "I answered every survey and have ideas for the next SUV interior.",
}
SUBMISSIONS = [
    "1,800 km from Shanghai to Chengdu on one charging plan, with the stops that worked.",
    "A winter night drive in Harbin: how the heat pump kept the range.",
    "Three kids, two dogs, one trunk: our weekend packing test.",
    "Highway assist on the G15: what it does well and where I take over.",
    "A short film of the sunrise at Qinghai Lake, shot from the panoramic roof.",
]


async def _operator() -> StaffViewer:
    staff = await StaffUser.filter(role=StaffRole.OPERATOR).order_by("id").first()
    if staff is None:
        staff = await StaffUser.filter(role=StaffRole.ADMIN).order_by("id").first()
    if staff is None:
        raise RuntimeError("The demo needs a staff account (the foundation demo makes them).")
    return StaffViewer(staff.id, staff.username, staff.role)


async def _hosted_test_drives(rng: random.Random, owners: list[int]) -> int:
    """Owners who show their car to friends: TEST_DRIVE events with payload hosted=true."""
    partner = await PartnerToken.filter(revoked_at__isnull=True).order_by("id").first()
    if partner is None:
        return 0
    appid = get_settings().wechat_appid
    now = datetime.now(UTC)
    count = 0
    for member_id in rng.sample(owners, min(len(owners), 8)):
        for _ in range(rng.randint(1, 4)):
            count += 1
            await record_member_event(
                partner.id,
                f"DEMO-HOSTED-{member_id}-{count}",
                MemberRef(member_id=member_id),
                MemberEventKind.TEST_DRIVE,
                now - timedelta(days=rng.randint(3, 120)),
                {"hosted": True, "friends": rng.randint(1, 3)},
                appid,
            )
    return count


async def _top(role: KocRole, limit: int, exclude: set[int]) -> list[int]:
    column = signals.SCORE_COLUMNS[role]
    rows = await (
        MemberSignals.filter(is_koc=False)
        .exclude(member_id__in=list(exclude) or [0])
        .order_by(f"-{column}", "-id")
        .limit(limit)
        .values_list("member_id", flat=True)
    )
    return list(rows)


async def seed(rng: random.Random) -> str:
    operator = await _operator()
    cooldown = get_settings().koc_reapply_cooldown_days
    await signals.rebuild_all()
    first_order = await LifecycleStage.get_or_none(auto_rule=StageAutoRule.FIRST_ORDER)
    owners = await Member.filter(order_count__gt=0).values_list("id", flat=True)
    hosted = await _hosted_test_drives(rng, list(owners))

    used: set[int] = set()
    kocs = 0
    # KOCs of each role: half applied from the mini-program, half nominated by staff.
    for role in KocRole:
        for n, member_id in enumerate(await _top(role, 3, used)):
            used.add(member_id)
            if n % 2 == 0:
                application = await services.apply(
                    member_id,
                    services.ApplyInput([role], STATEMENTS[role], ["https://example.com/demo"]),
                    cooldown_days=cooldown,
                )
            else:
                application = await services.nominate(
                    member_id, [role], "Spotted in the owners' group.", actor=operator
                )
            await services.review_application(
                application.id, True, None, "Welcome to the KOC program.", actor=operator
            )
            kocs += 1

    # The review queue: pending applications and a rejected one.
    queued = []
    for member_id in await _top(KocRole.CONTENT, 4, used):
        used.add(member_id)
        role = rng.choice(list(KocRole))
        queued.append(
            await services.apply(
                member_id, services.ApplyInput([role], STATEMENTS[role]), cooldown_days=cooldown
            )
        )
    if queued:
        await services.review_application(
            queued[-1].id,
            False,
            None,
            "Thank you! Share a few more posts about the car and apply again next month.",
            actor=operator,
        )

    # Campaigns: a running content challenge with work and ratings, a co-creation workshop for
    # buyers, an upcoming experience programme.
    now = datetime.now(UTC)
    challenge = await campaigns.create_campaign(
        campaigns.CampaignInput(
            title="Road-trip story challenge",
            brief="Share the story of a road trip with your car: a post, a video or a photo "
            "series. The best stories are featured on the brand's channels.",
            role=KocRole.CONTENT,
            starts_at=now - timedelta(days=10),
            ends_at=now + timedelta(days=20),
            capacity=60,
        ),
        actor=operator,
    )
    buyers = (
        [first_order.code]
        + [
            s.code
            for s in await LifecycleStage.filter(
                auto_rule__in=[StageAutoRule.REPEAT_ORDER, StageAutoRule.KOC]
            )
        ]
        if first_order
        else []
    )
    await campaigns.create_campaign(
        campaigns.CampaignInput(
            title="Next SUV interior co-creation workshop",
            brief="Tell us what the next SUV's cabin needs: seats, storage, screens.",
            role=KocRole.CO_CREATION,
            starts_at=now - timedelta(days=2),
            ends_at=now + timedelta(days=30),
            audience=Audience({"stage": {"in": buyers}}) if buyers else Audience(),
            capacity=30,
        ),
        actor=operator,
    )
    await campaigns.create_campaign(
        campaigns.CampaignInput(
            title="Summer test-drive host programme",
            brief="Host test drives for friends and neighbours on summer weekends.",
            role=KocRole.EXPERIENCE,
            starts_at=now + timedelta(days=7),
            ends_at=now + timedelta(days=60),
        ),
        actor=operator,
    )
    koc_ids = set(await KocProfile.filter(status="ACTIVE").values_list("member_id", flat=True))
    pool = [m for m in await _top(KocRole.CONTENT, 40, koc_ids) if m not in koc_ids]
    participants = rng.sample(pool, min(len(pool), 12))
    submissions = []
    for member_id in participants:
        await campaigns.join(challenge.id, member_id)
        if rng.random() < 0.7:
            text = rng.choice(SUBMISSIONS)
            submission = await campaigns.submit(
                challenge.id,
                member_id,
                campaigns.SubmissionInput(text=text, links=["https://example.com/story"]),
            )
            submissions.append(submission)
    rated = 0
    for index, submission in enumerate(submissions[: max(0, len(submissions) - 2)]):
        rating = rng.choice([3, 4, 4, 5, 5])
        await campaigns.review_submission(
            submission.id,
            5 if index == 0 else rating,
            "Great story, lovely photos." if rating >= 4 else "Nice start, add more detail.",
            promote=index == 0,
            actor=operator,
        )
        rated += 1
    return (
        f"{kocs} KOCs (each role) + 1 promoted from a campaign, {len(queued)} applications "
        f"in the queue (1 rejected), 3 campaigns, {len(participants)} sign-ups, "
        f"{len(submissions)} submissions ({rated} rated), {hosted} hosted test drives"
    )
