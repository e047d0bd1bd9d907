"""Partners report orders in batches: one result per order, bad orders do not stop the rest."""

import asyncio

from koc.members.models import Member, StageTransition
from koc.orders import services
from koc.orders.models import Order
from tests.conftest import gid
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


async def test_a_refused_order_leaves_nothing_behind(partner_client):
    dealer = await partner_client(["orders:write"])
    await dealer.execute(BATCH, {"i": {"orders": [order("taken")]}})
    orders = [
        order("ok-1", {"unionid": "u-new"}),
        # A conflicting replay naming a person never seen: refused before the prospect is made.
        order("taken", {"unionid": "u-ghost"}),
        order("nobody", {"memberId": gid("Member", 999_999)}),
        order("ok-2", {"unionid": "u-new"}),
    ]
    data = (await dealer.execute(BATCH, {"i": {"orders": orders}}))["ordersRecord"]
    assert (data["recorded"], data["replayed"], data["failed"]) == (2, 0, 2)
    assert [r["errors"] for r in data["results"]] == [
        [],
        [{"field": "orders.1.externalId", "code": "IDEMPOTENCY_CONFLICT"}],
        [{"field": "orders.2.member", "code": "MEMBER_NOT_FOUND"}],
        [],
    ]
    assert not await Member.exists(unionid="u-ghost")
    assert sorted(await Order.all().values_list("external_id", flat=True)) == [
        "ok-1",
        "ok-2",
        "taken",
    ]


async def test_an_external_id_sent_twice_in_one_batch(partner_client):
    dealer = await partner_client(["orders:write"])
    orders = [order("twice", {"unionid": "u-7"}), order("twice", {"unionid": "u-7"})]
    orders.append(order("twice", {"unionid": "u-7"}, amountCents=1))
    data = (await dealer.execute(BATCH, {"i": {"orders": orders}}))["ordersRecord"]
    assert (data["recorded"], data["replayed"], data["failed"]) == (1, 1, 1)
    first, again, changed = data["results"]
    assert first["replayed"] is False and again["replayed"] is True
    assert again["order"] == first["order"]
    assert changed["errors"] == [{"field": "orders.2.externalId", "code": "IDEMPOTENCY_CONFLICT"}]
    assert (await Member.get(unionid="u-7")).order_count == 1


async def test_orders_of_one_new_person_count_one_after_the_other(partner_client):
    dealer = await partner_client(["orders:write"])
    orders = [order(f"n-{i}", {"phone": "13800138000"}) for i in range(3)]
    data = (await dealer.execute(BATCH, {"i": {"orders": orders}}))["ordersRecord"]
    assert data["recorded"] == 3
    prospect = await Member.get(phone="+8613800138000")
    assert prospect.order_count == 3
    reasons = await StageTransition.filter(member_id=prospect.id).order_by("id")
    assert [t.reason for t in reasons] == ["order #1", "order #2"]  # #3 stays a repeat buyer


async def test_statements_per_batch_do_not_grow_with_the_batch(partner_client):
    dealer = await partner_client(["orders:write"])
    buyers = [await Member.create(unionid=f"known-{i}") for i in range(45)]

    def batch(prefix, members):
        return [order(f"{prefix}-{m.id}", {"unionid": m.unionid}) for m in members]

    # the partner's first call does one-time work (its last-used time)
    await dealer.execute(BATCH, {"i": {"orders": batch("w", buyers[:1])}})
    with count_statements() as small:
        data = await dealer.execute(BATCH, {"i": {"orders": batch("s", buyers[1:5])}})
    assert data["ordersRecord"]["recorded"] == 4
    with count_statements() as large:
        data = await dealer.execute(BATCH, {"i": {"orders": batch("l", buyers[5:])}})
    assert data["ordersRecord"]["recorded"] == 40
    assert large.count == small.count


async def test_concurrent_batches_with_the_same_orders_record_each_once(partner_client):
    dealer = await partner_client(["orders:write"])
    orders = [order(f"c-{i}", {"unionid": f"u-c{i}"}) for i in range(5)]
    results = await asyncio.gather(
        *[dealer.execute(BATCH, {"i": {"orders": orders}}) for _ in range(4)]
    )
    counts = [(r["ordersRecord"]["recorded"], r["ordersRecord"]["replayed"]) for r in results]
    assert sum(recorded for recorded, _ in counts) == 5
    assert all(recorded + replayed == 5 for recorded, replayed in counts)
    assert await Order.all().count() == 5
    assert [m.order_count for m in await Member.filter(unionid__startswith="u-c")] == [1] * 5


async def test_a_batch_that_lost_a_deadlock_runs_again(partner_client, monkeypatch):
    dealer = await partner_client(["orders:write"])
    real, attempts = services._record_orders, []

    class DeadlockDetected(Exception):
        sqlstate = "40P01"  # as PostgreSQL reports it

    async def loses_once(*args):
        attempts.append(args)
        if len(attempts) == 1:
            raise DeadlockDetected("deadlock detected")
        return await real(*args)

    monkeypatch.setattr(services, "_record_orders", loses_once)
    data = (await dealer.execute(BATCH, {"i": {"orders": [order("d-1")]}}))["ordersRecord"]
    assert (data["recorded"], data["failed"], len(attempts)) == (1, 0, 2)
    assert await Order.all().count() == 1
