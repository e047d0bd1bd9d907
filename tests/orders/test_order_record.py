"""Partners report orders; replays are idempotent, conflicts typed, prospects created."""

import asyncio

from koc.members.models import Member, MemberIdentity
from koc.orders.models import Order
from tests.conftest import APPID, gid

RECORD = """mutation($i: OrderRecordInput!) { orderRecord(input: $i) {
  replayed order { id externalId amountCents currency category status member { id } }
  errors { field code message } } }"""


def order(external_id="o-1", ref=None, **fields) -> dict:
    return {
        "externalId": external_id,
        "member": {"unionid": "u-1"} if ref is None else ref,
        "amountCents": 35_000_000,
        "currency": "CNY",
        "category": "vehicle",
        "occurredAt": "2026-05-01T10:00:00+08:00",
        **fields,
    }


async def test_record_then_replay_returns_the_original(partner_client):
    dealer = await partner_client(["orders:write"])
    first = (await dealer.execute(RECORD, {"i": order()}))["orderRecord"]
    assert first["errors"] == [] and first["replayed"] is False
    assert first["order"]["amountCents"] == 35_000_000 and first["order"]["status"] == "PAID"
    again = (await dealer.execute(RECORD, {"i": order()}))["orderRecord"]
    assert again["replayed"] is True and again["order"]["id"] == first["order"]["id"]
    assert await Order.all().count() == 1
    stored = await Order.get()
    assert (
        stored.occurred_at.utcoffset().total_seconds() == 0 and stored.occurred_at.hour == 2
    )  # UTC
    assert (await Member.get(unionid="u-1")).order_count == 1


async def test_replay_with_different_content_is_a_conflict(partner_client):
    dealer = await partner_client(["orders:write"])
    await dealer.execute(RECORD, {"i": order()})
    data = (await dealer.execute(RECORD, {"i": order(amountCents=1)}))["orderRecord"]
    assert data["order"] is None
    assert data["errors"][0] == {
        "field": "externalId",
        "code": "IDEMPOTENCY_CONFLICT",
        "message": data["errors"][0]["message"],
    }
    assert (await Order.get()).amount_cents == 35_000_000


async def test_same_external_id_from_two_partners_is_two_orders(partner_client):
    a, b = await partner_client(["orders:write"]), await partner_client(["orders:write"])
    await a.execute(RECORD, {"i": order()})
    await b.execute(RECORD, {"i": order()})
    assert await Order.all().count() == 2


async def test_concurrent_replays_record_once(partner_client):
    dealer = await partner_client(["orders:write"])
    results = await asyncio.gather(*[dealer.execute(RECORD, {"i": order()}) for _ in range(8)])
    ids = {r["orderRecord"]["order"]["id"] for r in results}
    assert len(ids) == 1
    assert sum(not r["orderRecord"]["replayed"] for r in results) == 1
    assert await Order.all().count() == 1
    assert (await Member.get(unionid="u-1")).order_count == 1


async def test_member_references(partner_client):
    dealer = await partner_client(["orders:write"])
    known = await Member.create(nickname="known")
    await MemberIdentity.create(member_id=known.id, appid=APPID, openid="openid-k")
    by_id = (
        await dealer.execute(RECORD, {"i": order("a", {"memberId": gid("Member", known.id)})})
    )["orderRecord"]
    by_openid = (await dealer.execute(RECORD, {"i": order("b", {"openid": "openid-k"})}))[
        "orderRecord"
    ]
    assert (
        by_id["order"]["member"]["id"]
        == by_openid["order"]["member"]["id"]
        == gid("Member", known.id)
    )
    # unknown unionid / phone create a prospect
    await dealer.execute(RECORD, {"i": order("c", {"phone": "138 0000 0009"})})
    assert (await Member.get(phone="+8613800000009")).source_channel == "partner"
    # unknown member id / openid cannot
    for ref in [{"memberId": gid("Member", 999)}, {"openid": "nobody"}]:
        data = (await dealer.execute(RECORD, {"i": order("d", ref)}))["orderRecord"]
        assert data["errors"][0]["code"] == "MEMBER_NOT_FOUND"
    assert await Order.all().count() == 3


async def test_bad_input_is_typed_and_writes_nothing(partner_client):
    dealer = await partner_client(["orders:write"])
    cases = [
        (order(externalId=""), "externalId", "INVALID"),
        (order(externalId="has space"), "externalId", "INVALID"),
        (order(amountCents=0), "amountCents", "INVALID"),
        (order(amountCents=-5), "amountCents", "INVALID"),
        (order(currency="yuan"), "currency", "INVALID"),
        (order(category=""), "category", "INVALID"),
        (order(occurredAt="2026-05-01T10:00:00"), "occurredAt", "INVALID"),  # no time zone
        (order(occurredAt="2999-01-01T00:00:00Z"), "occurredAt", "INVALID"),
        (order(ref={}), "member", "MEMBER_REFERENCE_INVALID"),
        (order(ref={"unionid": "u", "phone": "13800000000"}), "member", "MEMBER_REFERENCE_INVALID"),
        (order(ref={"phone": "12345"}), "member", "MEMBER_REFERENCE_INVALID"),
        (order(ref={"memberId": gid("Tag", 1)}), "member.memberId", "INVALID"),
    ]
    for payload, field, code in cases:
        data = (await dealer.execute(RECORD, {"i": payload}))["orderRecord"]
        assert [(e["field"], e["code"]) for e in data["errors"]] == [(field, code)], payload
    assert await Order.all().count() == 0
    assert await Member.all().count() == 0
