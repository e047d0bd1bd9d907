"""Public events go to the outbox in the transaction of their change, and readers see them in
the order the changes committed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from koc.auth.models import StaffRole
from koc.db import is_postgres
from koc.events import KocStatusChanged, publish
from koc.events.models import OutboxEvent
from koc.events.outbox import assign_positions
from tests.conftest import engine_name, gid, make_member
from tests.referrals.helpers import record_order
from tests.webhooks.helpers import feed, nodes


async def test_an_order_reaches_the_feed_with_what_happened(partner_client, app: Any):
    # given a partner that records orders and another that reads the feed
    pos = await partner_client(["orders:write"])
    reader = await partner_client(["events:read"])
    member = await make_member()
    # when an order is recorded
    order = await record_order(pos, member.id, 12_345_00, external_id="pos-1")
    # then the feed has its order.recorded event, with the order and the member (no phone)
    [event] = nodes(await feed(reader, types=["ORDER_RECORDED"]))
    assert event["type"] == "order.recorded"
    assert event["position"] >= 1
    assert event["eventId"].startswith("evt_")
    assert event["data"] == {
        "order": {
            "id": order["order"]["id"],
            "externalId": "pos-1",
            "amountCents": 12_345_00,
            "refundedCents": 0,
            "currency": "CNY",
            "category": "vehicle",
            "status": "PAID",
            "occurredAt": event["data"]["order"]["occurredAt"],
        },
        "member": {"id": gid("Member", member.id), "phone": None, "unionid": None},
    }
    assert event["payload"] == {
        "id": event["eventId"],
        "type": "order.recorded",
        "position": event["position"],
        "timestamp": event["payload"]["timestamp"],
        "data": event["data"],
    }


async def test_a_change_that_rolls_back_leaves_no_event(app: Any):
    # given a member
    member = await make_member()
    # when a change publishes an event and then fails
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await publish(KocStatusChanged(member=member, status="ACTIVE", roles=["CONTENT"]))
            assert await OutboxEvent.all().count() == 1  # written inside the transaction
            raise RuntimeError("the change fails after publishing")
    # then the outbox holds nothing, and nothing gets a position
    assert await OutboxEvent.all().count() == 0
    assert await assign_positions() == 0
    # and the same change committed leaves exactly one event
    async with in_transaction():
        await publish(KocStatusChanged(member=member, status="ACTIVE", roles=["CONTENT"]))
    assert await assign_positions() == 1
    assert await OutboxEvent.filter(type="koc.status_changed").count() == 1


async def test_a_cursor_kept_returns_exactly_the_events_committed_since(
    partner_client, staff_client, app: Any
):
    # given three orders read by a partner, who keeps the end cursor
    pos = await partner_client(["orders:write"])
    reader = await partner_client(["events:read"])
    member = await make_member()
    for n in range(3):
        await record_order(pos, member.id, external_id=f"a-{n}")
    first = await feed(reader, types=["ORDER_RECORDED"], first=2)
    rest = await feed(reader, types=["ORDER_RECORDED"], after=first["pageInfo"]["endCursor"])
    assert [n["data"]["order"]["externalId"] for n in nodes(first) + nodes(rest)] == [
        "a-0",
        "a-1",
        "a-2",
    ]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    # when two more orders commit
    for n in range(3, 5):
        await record_order(pos, member.id, external_id=f"a-{n}")
    # then the cursor kept returns those two, in order, and positions only grow
    later = await feed(reader, types=["ORDER_RECORDED"], after=rest["pageInfo"]["endCursor"])
    assert [n["data"]["order"]["externalId"] for n in nodes(later)] == ["a-3", "a-4"]
    positions = [n["position"] for n in nodes(first) + nodes(rest) + nodes(later)]
    assert positions == sorted(positions) and len(set(positions)) == 5
    # and staff read the same feed
    analyst = await staff_client(StaffRole.ANALYST)
    assert (await feed(analyst, types=["ORDER_RECORDED"]))["totalCount"] == 5


async def test_types_filter_and_unknown_types(partner_client, app: Any):
    reader = await partner_client(["events:read"])
    member = await make_member()
    async with in_transaction():
        await publish(KocStatusChanged(member=member, status="ACTIVE", roles=["CONTENT"]))
    assert [n["type"] for n in nodes(await feed(reader))] == ["koc.status_changed"]
    assert nodes(await feed(reader, types=["ORDER_REFUNDED"])) == []
    errors = await reader.errors(
        "query { events(types: [NOT_A_TYPE]) { totalCount } }",
    )
    assert "NOT_A_TYPE" in errors[0]["message"]


@pytest.mark.skipif(
    engine_name() != "postgres",
    reason="SQLite runs one writer at a time: commits cannot overtake each other there",
)
async def test_an_event_committed_late_never_lands_before_a_position_already_read(
    partner_client, settings, app: Any
):
    assert is_postgres(settings.database_url)
    reader = await partner_client(["events:read"])
    early, late = await make_member(), await make_member()
    inserted, release = asyncio.Event(), asyncio.Event()

    async def slow_change() -> None:
        # a transaction that writes its event first (the smaller id) and commits last
        async with in_transaction():
            await publish(KocStatusChanged(member=early, status="ACTIVE", roles=[]))
            inserted.set()
            await release.wait()

    slow = asyncio.create_task(slow_change())
    await inserted.wait()
    # when a later change commits first and a partner reads the feed
    async with in_transaction():
        await publish(KocStatusChanged(member=late, status="ACTIVE", roles=[]))
    seen = await feed(reader)
    assert [n["data"]["member"]["id"] for n in nodes(seen)] == [gid("Member", late.id)]
    # and then the slow change commits
    release.set()
    await slow
    # then it comes after the position already read, not before it
    after = nodes(await feed(reader, after=seen["pageInfo"]["endCursor"]))
    assert [n["data"]["member"]["id"] for n in after] == [gid("Member", early.id)]
    assert after[0]["position"] > nodes(seen)[0]["position"]
    ids = await OutboxEvent.all().order_by("id").values_list("position", flat=True)
    assert ids[0] > ids[1]  # the smaller id, the later commit: the larger position


async def test_concurrent_numbering_gives_each_event_one_position(app: Any):
    # given many committed events and several readers numbering at once
    member = await make_member()
    async with in_transaction():
        for _ in range(30):
            await publish(KocStatusChanged(member=member, status="ACTIVE", roles=[]))
    # when they number concurrently
    counts = await asyncio.gather(*(assign_positions() for _ in range(4)))
    # then every event got exactly one position, in the order of their ids, without gaps
    assert sum(counts) == 30
    positions = await OutboxEvent.all().order_by("id").values_list("position", flat=True)
    assert positions == list(range(positions[0], positions[0] + 30))
