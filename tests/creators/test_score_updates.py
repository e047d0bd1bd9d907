"""Scores move as signals arrive, without a recompute; the CLI rebuild recovers older data."""

from datetime import UTC, datetime, timedelta

from koc.auth.models import StaffRole
from koc.creators.models import MemberSignals
from koc.creators.signals import rebuild_all
from koc.events import ReferralConverted, ReferralReversed, SurveyResponded, publish
from koc.orders.models import MemberEvent, MemberEventKind, Order
from tests.conftest import gid, make_member
from tests.creators.factories import event, order, refund

CANDIDATE = """
query($id: ID!) { member(id: $id) {
  kocCandidate { score scores { overall content experience coCreation }
                 breakdown { signal value points } }
} }
"""


async def candidate(staff, member_gid):
    return (await staff.execute(CANDIDATE, {"id": member_gid}))["member"]["kocCandidate"]


def value(c, signal):
    return next(b["value"] for b in c["breakdown"] if b["signal"] == signal)


async def test_an_order_and_an_event_move_the_score(member_client, partner_client, staff_client):
    # given a member with no signal
    partner = await partner_client(["orders:write", "events:write"])
    member = await member_client()
    analyst = await staff_client(StaffRole.ANALYST)
    before = await candidate(analyst, member.member_gid)
    assert before["score"] == 0

    # when a partner reports an order
    external_id = await order(partner, member.member_id, 25_000_000, days_ago=3)

    # then the score rose at once
    after_order = await candidate(analyst, member.member_gid)
    assert after_order["score"] > 0
    assert value(after_order, "ORDERS") == 1
    assert value(after_order, "SPEND") == 25_000_000

    # when content is posted the content score rises more than the experience score
    await event(partner, member.member_id, "CONTENT_POSTED", 1)
    after_post = await candidate(analyst, member.member_gid)
    gained = {k: after_post["scores"][k] - after_order["scores"][k] for k in after_post["scores"]}
    assert gained["content"] > gained["experience"] > 0
    assert value(after_post, "CONTENT_POSTS") == 1

    # when the order is refunded in full, the order stops counting and the refund counts against
    await refund(partner, external_id)
    after_refund = await candidate(analyst, member.member_gid)
    assert value(after_refund, "ORDERS") == 0
    assert value(after_refund, "SPEND") == 0
    assert value(after_refund, "REFUNDS") == 1
    assert after_refund["score"] < after_post["score"]


async def test_referrals_and_surveys_feed_the_score_through_their_hooks(
    partner_client, staff_client
):
    # given a member whose friend bought, and the referrals and surveys features' hooks
    partner = await partner_client(["orders:write"])
    member = await make_member()
    friend = await make_member()
    analyst = await staff_client(StaffRole.ANALYST)
    friends_order = await Order.create(
        partner_id=partner.partner_id,
        external_id="FRIEND-1",
        member_id=friend.id,
        amount_cents=19_900_000,
        currency="CNY",
        category="vehicle",
        occurred_at=datetime.now(UTC),
        fingerprint="x",
    )
    referral = {"referrer_id": member.id, "referee_id": friend.id, "order": friends_order}

    # when a referral converts twice, one is reversed, and a survey is answered
    await publish(ReferralConverted(**referral))
    await publish(ReferralConverted(**referral))
    await publish(ReferralReversed(**referral))
    await publish(SurveyResponded(member_id=member.id, survey_id=1, response_id=1))

    # then both show in the breakdown and the co-creation score gains from the survey
    c = await candidate(analyst, gid("Member", member.id))
    assert value(c, "REFERRALS") == 1
    assert value(c, "SURVEY_ANSWERS") == 1
    assert c["scores"]["coCreation"] > c["scores"]["content"]


async def test_the_rebuild_recovers_data_recorded_before_the_feature(
    member_client, partner_client, staff_client
):
    # given orders and events written straight to the tables (no hook ran, as before install)
    partner = await partner_client(["orders:write", "events:write"])
    member = await member_client()
    at = datetime.now(UTC) - timedelta(days=30)
    await Order.create(
        partner_id=partner.partner_id,
        external_id="OLD-1",
        member_id=member.member_id,
        amount_cents=9_900_000,
        currency="CNY",
        category="vehicle",
        occurred_at=at,
        fingerprint="x",
    )
    for n, kind in enumerate(["CONTENT_POSTED", "CONTENT_POSTED", "TEST_DRIVE"]):
        await MemberEvent.create(
            partner_id=partner.partner_id,
            external_id=f"OLD-E{n}",
            member_id=member.member_id,
            kind=MemberEventKind(kind),
            occurred_at=at,
            payload={"hosted": True},
            fingerprint="x",
        )
    assert not await MemberSignals.exists(member_id=member.member_id)

    # when the recompute runs (what `koc kocs recompute-scores` does)
    assert await rebuild_all() >= 1

    # then the member has signals and a score
    analyst = await staff_client(StaffRole.ANALYST)
    c = await candidate(analyst, member.member_gid)
    assert value(c, "ORDERS") == 1
    assert value(c, "CONTENT_POSTS") == 2
    assert value(c, "TEST_DRIVES_HOSTED") == 1
    assert c["score"] > 0
