"""LEAD -> TEST_DRIVE -> DEPOSIT -> CONVERTED from member events and orders; the referrer sees it."""

from datetime import timedelta

from koc.auth.models import PartnerScope
from tests.referrals.helpers import bind, code_of, now, record_event, record_order

MY_REFERRALS = """
{ me { referrals(first: 10) { totalCount edges { node {
    refereeName milestone referee { id } referrer { id } fraudSignals conversions { amountCents }
    steps { kind note } } } } } }"""


async def test_the_referrer_follows_every_step(member_client, partner_client):
    partner = await partner_client([PartnerScope.ORDERS_WRITE, PartnerScope.EVENTS_WRITE])
    referrer = await member_client()
    referee = await member_client(nickname="Zhang San")
    await bind(referee, await code_of(referrer))

    await record_event(partner, referee.member_id, "TEST_DRIVE")
    after_drive = await referrer.execute(MY_REFERRALS)
    await record_event(partner, referee.member_id, "DEPOSIT_PAID")
    await record_event(partner, referee.member_id, "TEST_DRIVE")  # a second drive: a step only
    after_deposit = await referrer.execute(MY_REFERRALS)
    await record_order(partner, referee.member_id)
    after_order = await referrer.execute(MY_REFERRALS)

    def node(data):
        return data["me"]["referrals"]["edges"][0]["node"]

    assert node(after_drive)["milestone"] == "TEST_DRIVE"
    assert node(after_deposit)["milestone"] == "DEPOSIT"
    final = node(after_order)
    assert final["milestone"] == "CONVERTED"
    assert [s["kind"] for s in final["steps"]] == [
        "LEAD",
        "TEST_DRIVE",
        "DEPOSIT",
        "TEST_DRIVE",
        "CONVERTED",
    ]
    # masked referee, none of their personal data
    assert final["refereeName"] == "Z**"
    assert final["referee"] is None
    assert final["conversions"] == []
    assert final["referrer"] == {"id": referrer.member_gid}


async def test_events_before_the_binding_or_of_others_do_not_move_it(member_client, partner_client):
    partner = await partner_client([PartnerScope.EVENTS_WRITE])
    referrer, referee, stranger = (
        await member_client(),
        await member_client(),
        await member_client(),
    )
    await bind(referee, await code_of(referrer))
    await record_event(partner, referee.member_id, "DEPOSIT_PAID", now() - timedelta(days=2))
    await record_event(partner, referee.member_id, "EVENT_ATTENDED")
    await record_event(partner, stranger.member_id, "TEST_DRIVE")
    data = await referrer.execute(MY_REFERRALS)
    node = data["me"]["referrals"]["edges"][0]["node"]
    assert node["milestone"] == "LEAD"
    assert [s["kind"] for s in node["steps"]] == ["LEAD"]
