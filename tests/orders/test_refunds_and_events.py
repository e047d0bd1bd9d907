"""Refunds of reported orders, and member events."""

from koc.members.models import Member
from koc.orders.models import MemberEvent, Order

RECORD = """mutation($i: OrderRecordInput!) { orderRecord(input: $i) { order { id } errors { code } } }"""
REFUND = """mutation($i: OrderRefundInput!) { orderRefund(input: $i) {
  replayed refund { amountCents } order { refundedCents status } errors { field code } } }"""
EVENT = """mutation($i: MemberEventRecordInput!) { memberEventRecord(input: $i) {
  replayed event { kind payload member { id } } errors { field code } } }"""


async def _order(dealer, external_id="o-1", amount=10_000):
    await dealer.execute(
        RECORD,
        {
            "i": {
                "externalId": external_id,
                "member": {"unionid": "u-1"},
                "amountCents": amount,
                "category": "charger",
                "occurredAt": "2026-05-01T00:00:00Z",
            }
        },
    )


async def test_partial_then_full_refund(partner_client):
    dealer = await partner_client(["orders:write"])
    await _order(dealer)
    part = (
        await dealer.execute(
            REFUND,
            {
                "i": {
                    "externalId": "r-1",
                    "orderExternalId": "o-1",
                    "amountCents": 4000,
                    "occurredAt": "2026-05-02T00:00:00Z",
                }
            },
        )
    )["orderRefund"]
    assert part["order"] == {"refundedCents": 4000, "status": "PARTIALLY_REFUNDED"}
    assert (await Member.get(unionid="u-1")).order_count == 1
    rest = (
        await dealer.execute(
            REFUND,
            {
                "i": {
                    "externalId": "r-2",
                    "orderExternalId": "o-1",
                    "occurredAt": "2026-05-03T00:00:00Z",
                }
            },
        )
    )["orderRefund"]
    assert rest["refund"]["amountCents"] == 6000
    assert rest["order"] == {"refundedCents": 10_000, "status": "REFUNDED"}
    # a fully refunded order no longer counts
    assert (await Member.get(unionid="u-1")).order_count == 0
    # replay is idempotent
    again = (
        await dealer.execute(
            REFUND,
            {
                "i": {
                    "externalId": "r-2",
                    "orderExternalId": "o-1",
                    "occurredAt": "2026-05-03T00:00:00Z",
                }
            },
        )
    )["orderRefund"]
    assert again["replayed"] is True and (await Order.get()).refunded_cents == 10_000


async def test_refund_refusals(partner_client):
    dealer = await partner_client(["orders:write"])
    other = await partner_client(["orders:write"])
    await _order(dealer)
    base = {"externalId": "r-1", "orderExternalId": "o-1", "occurredAt": "2026-05-02T00:00:00Z"}
    cases = [
        (dealer, {**base, "amountCents": 10_001}, "amountCents", "REFUND_EXCEEDS_ORDER"),
        (dealer, {**base, "amountCents": 0}, "amountCents", "INVALID"),
        (dealer, {**base, "orderExternalId": "nope"}, "orderExternalId", "ORDER_NOT_FOUND"),
        (other, base, "orderExternalId", "ORDER_NOT_FOUND"),  # another partner's order
    ]
    for client, payload, field, code in cases:
        data = (await client.execute(REFUND, {"i": payload}))["orderRefund"]
        assert data["errors"] == [{"field": field, "code": code}]
    assert (await Order.get()).refunded_cents == 0


async def test_member_event_record_and_replay(partner_client):
    crm = await partner_client(["events:write"])
    payload = {
        "externalId": "e-1",
        "member": {"phone": "13900000000"},
        "kind": "TEST_DRIVE",
        "occurredAt": "2026-05-01T00:00:00Z",
        "payload": {"model": "ES8", "store": "SH-01"},
    }
    first = (await crm.execute(EVENT, {"i": payload}))["memberEventRecord"]
    assert first["errors"] == [] and first["event"]["payload"] == {"model": "ES8", "store": "SH-01"}
    again = (await crm.execute(EVENT, {"i": payload}))["memberEventRecord"]
    assert again["replayed"] is True
    conflict = (await crm.execute(EVENT, {"i": {**payload, "kind": "EVENT_ATTENDED"}}))[
        "memberEventRecord"
    ]
    assert conflict["errors"] == [{"field": "externalId", "code": "IDEMPOTENCY_CONFLICT"}]
    assert await MemberEvent.all().count() == 1


async def test_member_event_bad_input(partner_client):
    crm = await partner_client(["events:write"])
    base = {
        "externalId": "e-1",
        "member": {"unionid": "u"},
        "kind": "CONTENT_POSTED",
        "occurredAt": "2026-05-01T00:00:00Z",
    }
    cases = [
        ({**base, "payload": [1, 2]}, "payload"),
        ({**base, "payload": {"x": "y" * 5000}}, "payload"),
        ({**base, "externalId": "x" * 65}, "externalId"),
        ({**base, "occurredAt": "2026-05-01T00:00:00"}, "occurredAt"),
    ]
    for payload, field in cases:
        data = (await crm.execute(EVENT, {"i": payload}))["memberEventRecord"]
        assert [e["field"] for e in data["errors"]] == [field]
    assert await MemberEvent.all().count() == 0 and await Member.all().count() == 0


async def test_scopes_are_enforced(partner_client, member_client, staff_client):
    orders_only = await partner_client(["orders:write"])
    errors = await orders_only.errors(
        EVENT,
        {
            "i": {
                "externalId": "e",
                "member": {"unionid": "u"},
                "kind": "TEST_DRIVE",
                "occurredAt": "2026-05-01T00:00:00Z",
            }
        },
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    for client in [await member_client(), await staff_client()]:
        errors = await client.errors(
            RECORD,
            {
                "i": {
                    "externalId": "o",
                    "member": {"unionid": "u"},
                    "amountCents": 1,
                    "category": "c",
                    "occurredAt": "2026-05-01T00:00:00Z",
                }
            },
        )
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert await Order.all().count() == 0
