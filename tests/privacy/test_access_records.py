"""Reading a phone or unionid whole is an explicit, recorded act; ADMIN reads the records."""

from __future__ import annotations

from typing import Any

from koc.auth.models import StaffRole
from koc.members.models import Member
from koc.privacy.models import AccessRecord
from tests.conftest import gid
from tests.sqlcount import count_statements

UNMASK = """query($id: ID!, $reason: String!) { member(id: $id) {
  phone unionid phoneUnmasked(reason: $reason) unionidUnmasked(reason: $reason) } }"""
RECORDS = """query($member: ID) { accessRecords(memberId: $member) { totalCount edges { node {
  field reason actor byPartner member { id } } } } }"""
LIST = """{ members(first: 50) { edges { node { phoneUnmasked(reason: "Delivery calls") } } } }"""


async def test_an_operator_unmasks_with_a_reason_and_admin_sees_who(app: Any, staff_client) -> None:
    member = await Member.create(nickname="x", phone="+8613700000001", unionid="union-0000001")
    operator = await staff_client(StaffRole.OPERATOR, username="olivia")
    data = await operator.execute(UNMASK, {"id": gid("Member", member.id), "reason": "Delivery"})
    assert data["member"] == {
        "phone": "+86137****0001",
        "unionid": "unio****0001",
        "phoneUnmasked": "+8613700000001",
        "unionidUnmasked": "union-0000001",
    }
    admin = await staff_client(StaffRole.ADMIN)
    records = (await admin.execute(RECORDS, {"member": gid("Member", member.id)}))["accessRecords"]
    assert records["totalCount"] == 2
    assert {
        (r["node"]["field"], r["node"]["actor"], r["node"]["byPartner"]) for r in records["edges"]
    } == {("PHONE", "olivia", False), ("UNIONID", "olivia", False)}
    assert {r["node"]["reason"] for r in records["edges"]} == {"Delivery"}


async def test_analysts_cannot_unmask_and_a_missing_reason_reads_nothing(
    app: Any, staff_client
) -> None:
    member = await Member.create(nickname="x", phone="+8613700000002")
    analyst = await staff_client(StaffRole.ANALYST)
    body = (
        await analyst.post(UNMASK, {"id": gid("Member", member.id), "reason": "Curious"})
    ).json()
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}
    assert "13700000002" not in str(body)
    operator = await staff_client(StaffRole.OPERATOR)
    errors = await operator.errors(UNMASK, {"id": gid("Member", member.id), "reason": " ok "})
    assert {e["extensions"]["code"] for e in errors} == {"BAD_USER_INPUT"}
    assert await AccessRecord.all().count() == 0


async def test_a_page_of_reads_is_recorded_in_one_statement(app: Any, staff_client) -> None:
    for n in range(40):
        await Member.create(nickname=f"m{n}", phone=f"+861370001{n:04d}")
    await Member.create(nickname="no phone")
    operator = await staff_client(StaffRole.OPERATOR)
    with count_statements() as counter:
        data = await operator.execute(LIST)
    phones = [e["node"]["phoneUnmasked"] for e in data["members"]["edges"]]
    assert len([p for p in phones if p]) == 40 and None in phones
    inserts = [s for s in counter.statements if "privacy_access_record" in s]
    assert len(inserts) == 1
    assert await AccessRecord.filter(reason="Delivery calls").count() == 40


async def test_a_member_reads_their_own_phone_without_a_record(app: Any, member_client) -> None:
    me = await member_client(phone="+8613700000003")
    data = await me.execute("{ me { phone } }")
    assert data["me"]["phone"] == "+8613700000003"
    assert await AccessRecord.all().count() == 0


async def test_records_follow_a_prospect_merged_into_a_member(
    app: Any, member_client, staff_client, wechat_server
) -> None:
    # given an operator read the phone of a prospect a dealer reported
    prospect = await Member.create(phone="+8613700000004")
    operator = await staff_client(StaffRole.OPERATOR)
    await operator.execute(UNMASK, {"id": gid("Member", prospect.id), "reason": "Dealer lead"})
    # when the person signs in and binds that phone, the prospect merges into them
    member = await member_client()
    wechat_server.state.phone_codes["merge-phone"] = "13700000004"
    bound = await member.execute(
        'mutation { memberPhoneBind(code: "merge-phone") { errors { code } } }'
    )
    assert bound["memberPhoneBind"]["errors"] == []
    # then the record of who read it is still there, on the member
    records = await AccessRecord.filter(member_id=member.member_id)
    assert [(r.field, r.reason) for r in records] == [("PHONE", "Dealer lead")]
