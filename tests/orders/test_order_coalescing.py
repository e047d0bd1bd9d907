"""Single orders that overlap are written together, each caller still getting its own answer."""

import asyncio

from koc.members.models import Member
from koc.orders.models import Order
from tests.orders.test_order_record import RECORD, order
from tests.sqlcount import count_statements


async def test_overlapping_orders_share_their_writes_and_each_gets_its_own_order(partner_client):
    # Given a dealer whose first order was recorded alone
    dealer = await partner_client(["orders:write"])
    with count_statements() as alone:
        await dealer.execute(RECORD, {"i": order("solo", {"unionid": "u-solo"})})
    # When twelve of its cash registers report an order each at the same moment
    calls = [
        dealer.execute(RECORD, {"i": order(f"c-{i}", {"unionid": f"u-{i % 4}"})}) for i in range(12)
    ]
    with count_statements() as together:
        answers = await asyncio.gather(*calls)
    # Then every caller got its own order back, and each was recorded once and counted
    results = [a["orderRecord"] for a in answers]
    assert [r["order"]["externalId"] for r in results] == [f"c-{i}" for i in range(12)]
    assert all(r["errors"] == [] and r["replayed"] is False for r in results)
    assert await Order.filter(external_id__startswith="c-").count() == 12
    assert [(await Member.get(unionid=f"u-{k}")).order_count for k in range(4)] == [3, 3, 3, 3]
    # and they shared the batch path's statements: far fewer than twelve orders alone
    assert together.count < 12 * alone.count / 2


async def test_a_bad_or_repeated_order_among_overlapping_ones_is_answered_as_if_alone(
    partner_client,
):
    dealer = await partner_client(["orders:write"])
    await dealer.execute(RECORD, {"i": order("before")})
    # When overlapping calls carry a valid order, an invalid one, a replay of an earlier
    # order, the same new order twice, and a conflicting replay
    calls = [
        order("fine"),
        order("bad", amountCents=0),
        order("before"),
        order("twice"),
        order("twice"),
        order("before", amountCents=1),
    ]
    answers = await asyncio.gather(*(dealer.execute(RECORD, {"i": c}) for c in calls))
    fine, bad, before, twice, twice_again, conflict = (a["orderRecord"] for a in answers)
    # Then each gets what it would have got alone
    assert fine["errors"] == [] and fine["order"]["externalId"] == "fine"
    assert bad["order"] is None and bad["errors"][0]["code"] == "INVALID"
    assert before["replayed"] is True
    assert {twice["replayed"], twice_again["replayed"]} == {False, True}
    assert twice["order"]["id"] == twice_again["order"]["id"]
    assert conflict["order"] is None and conflict["errors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    assert sorted(await Order.all().values_list("external_id", flat=True)) == [
        "before",
        "fine",
        "twice",
    ]


async def test_overlapping_orders_of_two_partners_stay_apart(partner_client):
    a, b = await partner_client(["orders:write"]), await partner_client(["orders:write"])
    answers = await asyncio.gather(
        a.execute(RECORD, {"i": order("same")}), b.execute(RECORD, {"i": order("same")})
    )
    assert all(x["orderRecord"]["replayed"] is False for x in answers)
    assert await Order.filter(external_id="same").count() == 2
