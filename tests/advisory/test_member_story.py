"""A member's orders and events are listed on the member, newest first, for staff and the
member's advisor (through `node` too); another advisor and partner apps are refused."""

from datetime import UTC, datetime, timedelta

from koc.auth.models import PartnerScope, PartnerToken, StaffRole
from koc.orders.models import MemberEvent, MemberEventKind, Order
from tests.conftest import gid, make_member

STORY = """query($id: ID!) { member(id: $id) {
  orders(first: 10) { totalCount edges { node { id externalId amountCents } } }
  events(first: 10, kind: TEST_DRIVE) { totalCount edges { node { kind externalId } } } } }"""


async def _story_of(member_id: int) -> list[int]:
    partner = await PartnerToken.create(name="dealer", prefix="p", token_hash="h", scopes=[])
    now = datetime.now(UTC)
    orders = []
    for n, days in enumerate((30, 2)):
        order = await Order.create(
            partner=partner,
            external_id=f"o{n}",
            member_id=member_id,
            amount_cents=1000 * (n + 1),
            currency="CNY",
            category="car",
            occurred_at=now - timedelta(days=days),
            fingerprint="f",
        )
        orders.append(order.id)
    for n, kind in enumerate((MemberEventKind.TEST_DRIVE, MemberEventKind.STORE_VISIT)):
        await MemberEvent.create(
            partner=partner,
            external_id=f"e{n}",
            member_id=member_id,
            kind=kind,
            occurred_at=now - timedelta(days=n),
            fingerprint="f",
        )
    return orders


async def test_staff_and_the_owning_advisor_read_the_members_orders_and_events(staff_client):
    ada = await staff_client(StaffRole.ADVISOR)
    member = await make_member(owner_id=ada.staff_id)
    orders = await _story_of(member.id)
    for reader in (await staff_client(StaffRole.ANALYST), ada):
        data = (await reader.execute(STORY, {"id": gid("Member", member.id)}))["member"]
        assert [e["node"]["externalId"] for e in data["orders"]["edges"]] == ["o1", "o0"]
        assert data["orders"]["totalCount"] == 2
        assert data["events"] == {
            "totalCount": 1,
            "edges": [{"node": {"kind": "TEST_DRIVE", "externalId": "e0"}}],
        }
    node = "query($id: ID!) { node(id: $id) { ... on Order { externalId } } }"
    assert (await ada.execute(node, {"id": gid("Order", orders[0])}))["node"] == {
        "externalId": "o0"
    }


async def test_another_advisor_and_partners_are_refused(staff_client, partner_client):
    ada = await staff_client(StaffRole.ADVISOR)
    bob = await staff_client(StaffRole.ADVISOR)
    member = await make_member(owner_id=ada.staff_id)
    orders = await _story_of(member.id)
    node = "query($id: ID!) { node(id: $id) { ... on Order { externalId } } }"
    errors = await bob.errors(node, {"id": gid("Order", orders[0])})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    partner = await partner_client([PartnerScope.MEMBERS_READ])
    errors = await partner.errors(
        "query($id: ID!) { member(id: $id) { orders { totalCount } } }",
        {"id": gid("Member", member.id)},
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
