"""Partner apps get a member's personal data only when the member shares it with partners."""

from __future__ import annotations

from datetime import date
from typing import Any

from koc.consent.models import Purpose
from koc.members.models import Gender, Member
from koc.privacy.models import AccessRecord
from tests.conftest import gid
from tests.consent.factories import decide
from tests.sqlcount import count_statements

READ = """query($id: ID!) { member(id: $id) {
  nickname avatarUrl gender birthday region phone unionid tags { source }
  phoneUnmasked(reason: "Deliver the car") unionidUnmasked(reason: "Match the CRM record")
  orderCount } }"""
LIST = """query($first: Int) { members(first: $first) { edges { node {
  nickname phone unionid phoneUnmasked(reason: "Nightly CRM sync") } } } }"""


async def _member(n: int = 1) -> Member:
    return await Member.create(
        nickname=f"Li Shared {n}",
        avatar_url="https://img.example/li.png",
        gender=Gender.MALE,
        birthday=date(1988, 3, 2),
        region="Hangzhou",
        phone=f"+861380000{n:04d}",
        unionid=f"union-shared-{n:04d}",
        order_count=2,
    )


async def test_without_sharing_consent_a_partner_sees_no_personal_data(
    app: Any, partner_client
) -> None:
    # given a member who never agreed to share with partners
    member = await _member()
    crm = await partner_client(["members:read"])
    # when a partner with members:read reads them
    data = (await crm.execute(READ, {"id": gid("Member", member.id)}))["member"]
    # then only what is not personal comes back, and nothing was read whole
    assert data == {
        "nickname": "",
        "avatarUrl": "",
        "gender": "UNKNOWN",
        "birthday": None,
        "region": "",
        "phone": None,
        "unionid": None,
        "tags": [],
        "phoneUnmasked": None,
        "unionidUnmasked": None,
        "orderCount": 2,
    }
    assert await AccessRecord.all().count() == 0


async def test_with_sharing_consent_a_partner_reads_and_each_unmasked_read_is_recorded(
    app: Any, partner_client
) -> None:
    member = await _member()
    await decide(member.id, Purpose.SHARING)
    crm = await partner_client(["members:read"], name="Dealer CRM")
    data = (await crm.execute(READ, {"id": gid("Member", member.id)}))["member"]
    assert (data["nickname"], data["region"], data["birthday"]) == (
        "Li Shared 1",
        "Hangzhou",
        "1988-03-02",
    )
    assert (data["phone"], data["unionid"]) == ("+86138****0001", "unio****0001")
    assert (data["phoneUnmasked"], data["unionidUnmasked"]) == (
        "+8613800000001",
        "union-shared-0001",
    )
    records = await AccessRecord.all().order_by("field")
    assert [(r.field, r.actor, r.partner_id, r.reason) for r in records] == [
        ("PHONE", "Dealer CRM", crm.partner_id, "Deliver the car"),
        ("UNIONID", "Dealer CRM", crm.partner_id, "Match the CRM record"),
    ]


async def test_consent_costs_partners_one_statement_whatever_the_page(
    app: Any, partner_client
) -> None:
    members = [await _member(n) for n in range(1, 31)]
    for member in members[::2]:
        await decide(member.id, Purpose.SHARING)
    crm = await partner_client(["members:read"])
    await crm.execute("{ me { id } }")  # the token's first use is recorded once
    counts, unmasked = [], 0
    for first in (5, 30):
        with count_statements() as counter:
            data = await crm.execute(LIST, {"first": first})
        counts.append(counter.count)
        shown = [n for n in (e["node"] for e in data["members"]["edges"]) if n["nickname"]]
        assert all(n["phoneUnmasked"] for n in shown)
        unmasked += len(shown)
    assert counts[0] == counts[1]
    assert len(shown) == 15  # the sharing half of the 30
    assert await AccessRecord.filter(reason="Nightly CRM sync").count() == unmasked
