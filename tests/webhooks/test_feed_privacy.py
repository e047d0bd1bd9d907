"""Personal data in the events feed follows the reader's scopes and the member's consent, and
an erasure is announced to partners."""

from __future__ import annotations

from typing import Any

from koc.auth.models import StaffRole
from koc.consent.models import Purpose
from koc.members.models import Member
from koc.privacy.models import AccessField, AccessRecord
from tests.conftest import gid
from tests.consent.factories import decide
from tests.referrals.helpers import record_order
from tests.webhooks.helpers import feed, nodes

ERASE = """mutation($input: MemberRequestInput!) {
  memberErase(input: $input) { errors { field code } } }"""


async def _buyer(n: int) -> Member:
    return await Member.create(
        nickname=f"Buyer {n}", phone=f"+861390000{n:04d}", unionid=f"union-feed-{n}"
    )


def _member_of(page: dict[str, Any], member: Member) -> dict[str, Any]:
    [event] = [n for n in nodes(page) if n["data"]["member"]["id"] == gid("Member", member.id)]
    return event["data"]["member"]


async def test_phone_and_unionid_need_members_read_and_sharing_consent(
    partner_client, staff_client, app: Any
):
    # given two buyers, one of whom agreed to share their data with partners
    pos = await partner_client(["orders:write"])
    sharing, private = await _buyer(1), await _buyer(2)
    await decide(sharing.id, Purpose.SHARING, granted=True)
    for buyer in (sharing, private):
        await record_order(pos, buyer.id)
    # when a partner with events:read only reads the feed, then nobody's phone shows
    plain = await feed(await partner_client(["events:read"]), types=["ORDER_RECORDED"])
    assert _member_of(plain, sharing) == {
        "id": gid("Member", sharing.id),
        "phone": None,
        "unionid": None,
    }
    # and staff read it without personal fields too
    staff = await feed(await staff_client(StaffRole.ADMIN), types=["ORDER_RECORDED"])
    assert _member_of(staff, sharing)["phone"] is None
    assert await AccessRecord.all().count() == 0
    # when a partner with members:read reads it
    crm = await partner_client(["events:read", "members:read"], name="Dealer CRM")
    full = await feed(crm, types=["ORDER_RECORDED"])
    # then the sharing member's phone and unionid show, the other's do not
    assert _member_of(full, sharing) == {
        "id": gid("Member", sharing.id),
        "phone": "+8613900000001",
        "unionid": "union-feed-1",
    }
    assert _member_of(full, private)["phone"] is None
    # and the read is recorded, as any unmasked read is
    records = (
        await AccessRecord.all()
        .order_by("field")
        .values_list("member_id", "field", "partner_id", "reason")
    )
    assert records == [
        (sharing.id, AccessField.PHONE, crm.partner_id, "events feed"),
        (sharing.id, AccessField.UNIONID, crm.partner_id, "events feed"),
    ]
    # and when the member withdraws, the same events no longer show it
    await decide(sharing.id, Purpose.SHARING, granted=False)
    assert _member_of(await feed(crm, types=["ORDER_RECORDED"]), sharing)["phone"] is None


async def test_an_erasure_is_announced_without_personal_data(
    partner_client, staff_client, app: Any
):
    # given a buyer who shares with partners and had an order
    pos = await partner_client(["orders:write"])
    buyer = await _buyer(3)
    await decide(buyer.id, Purpose.SHARING, granted=True)
    await record_order(pos, buyer.id)
    admin = await staff_client(StaffRole.ADMIN)
    # when staff erase them
    done = await admin.execute(
        ERASE, {"input": {"memberId": gid("Member", buyer.id), "reason": "Ticket 7: erase me"}}
    )
    assert done["memberErase"]["errors"] == []
    # then partners read member.erased, and the earlier order no longer carries their phone
    crm = await partner_client(["events:read", "members:read"])
    [erased] = nodes(await feed(crm, types=["MEMBER_ERASED"]))
    assert erased["data"] == {"member": {"id": gid("Member", buyer.id)}}
    [order] = nodes(await feed(crm, types=["ORDER_RECORDED"]))
    assert order["data"]["member"] == {
        "id": gid("Member", buyer.id),
        "phone": None,
        "unionid": None,
    }
