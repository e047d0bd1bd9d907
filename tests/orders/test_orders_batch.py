"""Partners report orders in batches: one result per order, bad orders do not stop the rest."""

from koc.members.models import Member
from koc.orders.models import Order
from tests.orders.test_order_record import order
from tests.sqlcount import count_statements

BATCH = """mutation($i: OrdersRecordInput!) { ordersRecord(input: $i) {
  recorded replayed failed
  results { index externalId replayed order { externalId amountCents } errors { field code } }
  errors { field code message } } }"""


async def test_a_batch_records_every_order_and_counts_them(partner_client):
    dealer = await partner_client(["orders:write"])
    orders = [order(f"b-{i}", {"unionid": f"u-{i % 3}"}) for i in range(6)]
    data = (await dealer.execute(BATCH, {"i": {"orders": orders}}))["ordersRecord"]
    assert (data["recorded"], data["replayed"], data["failed"]) == (6, 0, 0)
    assert [r["externalId"] for r in data["results"]] == [f"b-{i}" for i in range(6)]
    assert [r["index"] for r in data["results"]] == list(range(6))
    assert await Order.all().count() == 6
    assert (await Member.get(unionid="u-0")).order_count == 2


async def test_a_bad_order_fails_alone_and_writes_nothing(partner_client):
    dealer = await partner_client(["orders:write"])
    orders = [order("ok-1"), order("bad", amountCents=0), order("ok-2", currency="cny")]
    orders.append(order("ok-3"))
    data = (await dealer.execute(BATCH, {"i": {"orders": orders}}))["ordersRecord"]
    assert (data["recorded"], data["failed"]) == (2, 2)
    assert data["results"][1]["order"] is None
    assert data["results"][1]["errors"] == [{"field": "orders.1.amountCents", "code": "INVALID"}]
    assert data["results"][2]["errors"] == [{"field": "orders.2.currency", "code": "INVALID"}]
    assert sorted(await Order.all().values_list("external_id", flat=True)) == ["ok-1", "ok-3"]
    assert (await Member.get(unionid="u-1")).order_count == 2


async def test_replays_and_conflicts_in_a_batch(partner_client):
    dealer = await partner_client(["orders:write"])
    await dealer.execute(BATCH, {"i": {"orders": [order("r-1")]}})
    again = [order("r-1"), order("r-1", amountCents=5), order("r-2")]
    data = (await dealer.execute(BATCH, {"i": {"orders": again}}))["ordersRecord"]
    assert (data["recorded"], data["replayed"], data["failed"]) == (1, 1, 1)
    assert data["results"][0]["replayed"] is True
    assert data["results"][1]["errors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    assert await Order.all().count() == 2


async def test_batch_size_is_limited(partner_client):
    dealer = await partner_client(["orders:write"])
    empty = (await dealer.execute(BATCH, {"i": {"orders": []}}))["ordersRecord"]
    too_many = [order(f"x-{i}") for i in range(501)]
    big = (await dealer.execute(BATCH, {"i": {"orders": too_many}}))["ordersRecord"]
    for data in (empty, big):
        assert data["results"] == [] and data["errors"][0]["field"] == "orders"
        assert data["errors"][0]["code"] == "INVALID"
    assert await Order.all().count() == 0


async def test_batches_need_the_orders_scope(partner_client, member_client):
    events_only = await partner_client(["events:write"])
    member = await member_client()
    for caller in (events_only, member):
        errors = await caller.errors(BATCH, {"i": {"orders": [order()]}})
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert await Order.all().count() == 0


async def test_statements_per_order_do_not_grow_with_the_batch(partner_client):
    dealer = await partner_client(["orders:write"])
    with count_statements() as small:
        await dealer.execute(BATCH, {"i": {"orders": [order(f"s-{i}") for i in range(2)]}})
    with count_statements() as large:
        await dealer.execute(BATCH, {"i": {"orders": [order(f"l-{i}") for i in range(20)]}})
    per_order_small = small.count / 2
    per_order_large = large.count / 20
    assert per_order_large <= per_order_small
