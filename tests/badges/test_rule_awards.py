"""Automatic badges fire exactly once, from orders, events, referrals, submissions and KOC
activation, as the underlying data changes."""

from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from koc.auth.models import StaffRole
from koc.events import (
    CampaignSubmissionReviewed,
    KocStatusChanged,
    ReferralConverted,
    ReferralReversed,
    publish,
)
from koc.members.models import Member
from tests.badges.factories import (
    BADGE_UPDATE,
    codes,
    create_badge,
    my_badges,
    orders_of,
    record_event,
    record_order,
)
from tests.conftest import gid

HISTORY = """
query($id: ID!) { member(id: $id) { ... on Member { badgeHistory { action source reason badge { code } } } } }
"""


async def _history(staff, member_gid):
    return (await staff.execute(HISTORY, {"id": member_gid}))["member"]["badgeHistory"]


async def test_first_order_awards_the_owner_badge_once(staff_client, member_client, partner_client):
    # given an "owner" badge for any buyer and a member with no order
    staff = await staff_client(StaffRole.OPERATOR)
    await create_badge(staff, code="OWNER", rule="YEARS_SINCE_FIRST_ORDER", threshold=0)
    member = await member_client()
    partner = await partner_client(["orders:write"])
    assert codes(await my_badges(member)) == []

    # when two orders are reported
    await record_order(partner, member.member_gid)
    await record_order(partner, member.member_gid)

    # then the badge is held once, from the rule, with one award in the history
    me = await my_badges(member)
    assert codes(me) == ["OWNER"]
    assert me["badges"][0]["source"] == "RULE"
    history = await _history(staff, member.member_gid)
    assert [(h["action"], h["badge"]["code"]) for h in history] == [("AWARD", "OWNER")]


async def test_years_since_first_order_counts_from_the_earliest_order(
    staff_client, member_client, partner_client
):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_badge(staff, code="VETERAN_2Y", rule="YEARS_SINCE_FIRST_ORDER", threshold=2)
    partner = await partner_client(["orders:write"])
    recent, old = await member_client(), await member_client()

    await record_order(
        partner, recent.member_gid, occurred_at=datetime.now(UTC) - timedelta(days=400)
    )
    await record_order(partner, old.member_gid, occurred_at=datetime.now(UTC) - timedelta(days=800))

    assert codes(await my_badges(old)) == ["VETERAN_2Y"]
    me = await my_badges(recent)
    assert codes(me) == []
    assert me["badgeProgress"] == [{"badge": {"code": "VETERAN_2Y"}, "current": 1, "target": 2}]


async def test_attended_events_award_at_the_threshold_and_replays_do_not_count(
    staff_client, member_client, partner_client
):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_badge(staff, code="REGULAR", rule="EVENTS_ATTENDED", threshold=2)
    member = await member_client()
    partner = await partner_client(["events:write"])

    at = datetime.now(UTC)
    for _ in range(2):  # the second is a replay of the first
        await record_event(partner, member.member_gid, "EVENT_ATTENDED", "salon-1", at)
    await record_event(partner, member.member_gid, "TEST_DRIVE")
    me = await my_badges(member)
    assert codes(me) == []
    assert me["badgeProgress"] == [{"badge": {"code": "REGULAR"}, "current": 1, "target": 2}]

    await record_event(partner, member.member_gid, "EVENT_ATTENDED", external_id="salon-2")
    await record_event(partner, member.member_gid, "EVENT_ATTENDED", external_id="salon-3")

    me = await my_badges(member)
    assert codes(me) == ["REGULAR"]
    assert me["badgeProgress"] == []
    assert len(await _history(staff, member.member_gid)) == 1


async def test_converted_referrals_count_friends_not_orders(
    staff_client, member_client, partner_client
):
    # given a badge for 2 converted referrals
    staff = await staff_client(StaffRole.OPERATOR)
    await create_badge(staff, code="AMBASSADOR", rule="REFERRALS_CONVERTED", threshold=2)
    referrer = await member_client()
    friend_a, friend_b = await member_client(), await member_client()
    orders = await orders_of(await partner_client(["orders:write"]), friend_a, friend_a, friend_b)

    # when friend A's two orders convert, the referrer has one referral
    for order in orders[:2]:
        async with in_transaction():
            await publish(
                ReferralConverted(
                    referrer_id=referrer.member_id, referee_id=friend_a.member_id, order=order
                )
            )
    me = await my_badges(referrer)
    assert codes(me) == []
    assert me["badgeProgress"][0]["current"] == 1

    # when friend B converts too (and the hook is delivered twice), the badge is awarded once
    for _ in range(2):
        async with in_transaction():
            await publish(
                ReferralConverted(
                    referrer_id=referrer.member_id, referee_id=friend_b.member_id, order=orders[2]
                )
            )
    assert codes(await my_badges(referrer)) == ["AMBASSADOR"]
    assert len(await _history(staff, referrer.member_gid)) == 1


async def test_a_reversed_referral_lowers_the_count_but_keeps_earned_badges(
    staff_client, member_client, partner_client
):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_badge(staff, code="FIRST_REFERRAL", rule="REFERRALS_CONVERTED", threshold=1)
    await create_badge(staff, code="TWO_REFERRALS", rule="REFERRALS_CONVERTED", threshold=2)
    referrer, friend = await member_client(), await member_client()
    (order,) = await orders_of(await partner_client(["orders:write"]), friend)
    async with in_transaction():
        await publish(
            ReferralConverted(
                referrer_id=referrer.member_id, referee_id=friend.member_id, order=order
            )
        )
    async with in_transaction():
        await publish(
            ReferralReversed(
                referrer_id=referrer.member_id, referee_id=friend.member_id, order=order
            )
        )

    me = await my_badges(referrer)
    assert codes(me) == ["FIRST_REFERRAL"]
    assert me["badgeProgress"] == [{"badge": {"code": "TWO_REFERRALS"}, "current": 0, "target": 2}]


async def test_approved_submissions_count_and_a_rejection_takes_one_back(
    staff_client, member_client
):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_badge(staff, code="CREATOR", rule="SUBMISSIONS_APPROVED", threshold=2)
    member = await member_client()

    async def review(submission_id: int, approved: bool) -> None:
        async with in_transaction():
            await publish(
                CampaignSubmissionReviewed(
                    member_id=member.member_id,
                    submission_id=submission_id,
                    rating=4,
                    approved=approved,
                )
            )

    await review(1, True)
    await review(1, False)  # re-reviewed: no longer approved
    await review(2, True)
    await review(2, True)  # delivered twice
    assert codes(await my_badges(member)) == []
    await review(3, True)
    assert codes(await my_badges(member)) == ["CREATOR"]


async def test_koc_activation_awards_role_badges_once(staff_client, member_client, app):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_badge(staff, code="KOC", family="KOC", rule="KOC_ROLE")
    await create_badge(staff, code="CONTENT_KOC", rule="KOC_ROLE", kocRole="CONTENT")
    await create_badge(staff, code="CO_CREATOR_KOC", rule="KOC_ROLE", kocRole="CO_CREATOR")
    member = await member_client()
    row = await Member.get(id=member.member_id)
    for status, roles in [("ACTIVE", ["CONTENT"]), ("ACTIVE", ["CONTENT"]), ("SUSPENDED", [])]:
        async with in_transaction():
            await publish(KocStatusChanged(member=row, status=status, roles=roles))

    # Honour earned stays when the KOC is suspended.
    assert codes(await my_badges(member)) == ["CONTENT_KOC", "KOC"]
    assert len(await _history(staff, member.member_gid)) == 2


async def test_a_new_badge_goes_to_members_who_already_qualify(
    staff_client, member_client, partner_client
):
    # given members who already attended events
    partner = await partner_client(["events:write"])
    regulars = [await member_client() for _ in range(3)]
    newcomer = await member_client()
    for m in regulars:
        await record_event(partner, m.member_gid, "EVENT_ATTENDED")
    staff = await staff_client(StaffRole.OPERATOR)

    # when a badge for one attended event is created
    payload = await create_badge(staff, code="FIRST_EVENT", rule="EVENTS_ATTENDED", threshold=1)

    # then they hold it at once, the newcomer does not
    assert payload["awardedCount"] == 3
    assert codes(await my_badges(regulars[0])) == ["FIRST_EVENT"]
    assert codes(await my_badges(newcomer)) == []


async def test_lowering_a_threshold_awards_newly_qualifying_members(
    staff_client, member_client, partner_client
):
    partner = await partner_client(["events:write"])
    member = await member_client()
    await record_event(partner, member.member_gid, "EVENT_ATTENDED")
    staff = await staff_client(StaffRole.OPERATOR)
    badge = (await create_badge(staff, rule="EVENTS_ATTENDED", threshold=3))["badge"]

    payload = (await staff.execute(BADGE_UPDATE, {"input": {"id": badge["id"], "threshold": 1}}))[
        "badgeUpdate"
    ]

    assert payload["errors"] == []
    assert payload["awardedCount"] == 1
    assert codes(await my_badges(member)) == [badge["code"]]


async def test_concurrent_evaluations_award_a_badge_once(staff_client, partner_client, app):
    # given a member who qualifies for an "owner" badge not yet evaluated
    import asyncio

    from koc.badges.awards import evaluate_members
    from koc.badges.models import BadgeAwardEvent, BadgeHolding

    staff = await staff_client(StaffRole.OPERATOR)
    await create_badge(staff, code="OWNER2", rule="YEARS_SINCE_FIRST_ORDER", threshold=0)
    member = await Member.create(nickname="buyer")
    partner = await partner_client(["orders:write"])
    await record_order(partner, gid("Member", member.id))
    await BadgeHolding.filter(member_id=member.id).delete()
    await BadgeAwardEvent.filter(member_id=member.id).delete()

    # when two transactions evaluate the member at the same time
    async def evaluate():
        async with in_transaction():
            return await evaluate_members([member.id])

    results = await asyncio.gather(evaluate(), evaluate())

    # then exactly one of them awarded it: one holding, one award in the history
    assert sorted(len(r) for r in results) == [0, 1]
    assert await BadgeHolding.filter(member_id=member.id).count() == 1
    assert await BadgeAwardEvent.filter(member_id=member.id).count() == 1
