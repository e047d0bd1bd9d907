"""A member downloads everything koc holds about them; an admin can produce the same."""

from __future__ import annotations

import json
from typing import Any

from koc.audit.models import AuditEntry
from koc.auth.models import StaffRole
from koc.privacy.catalog import CATALOG
from koc.privacy.models import AccessField, AccessRecord
from tests.conftest import gid
from tests.privacy import everything as e
from tests.privacy.datamap import member_tables

EXPORT = "{ meDataExport }"
STAFF_EXPORT = """mutation($input: MemberRequestInput!) {
  memberDataExport(input: $input) { data errors { field code } } }"""


async def _subject(http, wechat_server, member_client, staff_client, partner_client) -> e.Subject:
    return await e.member_with_everything(
        http, wechat_server, member_client, staff_client, partner_client
    )


async def test_export_holds_every_member_table(
    app: Any, http, wechat_server, member_client, staff_client, partner_client
) -> None:
    # given a member with every kind of record
    subject = await _subject(http, wechat_server, member_client, staff_client, partner_client)
    # when they download their data
    data = (await subject.client.execute(EXPORT))["meDataExport"]
    # then every table of theirs the data map exports has their rows
    tables = data["tables"]
    assert data["memberId"] == subject.member_id
    sections: dict[type, list[str]] = {}
    for table in CATALOG:
        if table.export:
            sections.setdefault(table.model, []).append(table.name)
    empty = sorted(
        name
        for name, model in member_tables().items()
        if model in sections and not any(tables[s] for s in sections[model])
    )
    assert empty == [], f"tests/privacy/everything.py made no row of {empty}: extend it"
    for child in ["refund", "survey_answer", "survey_answer_pick", "referral_step"]:
        assert tables[child], child
    # with their own values, readable labels, and no secrets
    text = json.dumps(data, ensure_ascii=False)
    for value in [e.PHONE, e.OPENID, e.UNIONID, e.NICKNAME, e.WISH, e.STATEMENT, e.EVENT_NOTE]:
        assert value in text, value
    assert {t["tag__name"] for t in tables["member_tag"]} == {"Home charger", "KOC"}
    assert {c["purpose"] for c in tables["privacy_consent_decision"]} == {"SHARING", "MARKETING"}
    assert subject.refresh_token not in text
    assert "token_hash" not in text and "fingerprint" not in text
    # as a referrer they see whom they brought and when, not their friend's purchases
    brought = tables["referral_conversion_as_referrer"]
    assert brought and all("amount_cents" not in row for row in brought)


async def test_admin_exports_on_request_and_it_is_recorded(
    app: Any, member_client, staff_client
) -> None:
    member = await member_client(phone="+8613500000001")
    admin = await staff_client(StaffRole.ADMIN)
    request = {"memberId": member.member_gid, "reason": "Ticket 4711: member asked by phone"}
    payload = (await admin.execute(STAFF_EXPORT, {"input": request}))["memberDataExport"]
    assert payload["errors"] == []
    assert payload["data"]["tables"]["member"][0]["phone"] == "+8613500000001"
    record = await AccessRecord.get(member_id=member.member_id)
    assert (record.field, record.staff_id, record.reason) == (
        AccessField.DATA_EXPORT,
        admin.staff_id,
        "Ticket 4711: member asked by phone",
    )
    entry = await AuditEntry.get(action="member.data_export")
    assert entry.object_id == str(member.member_id)


async def test_a_refused_export_writes_nothing(app: Any, member_client, staff_client) -> None:
    member = await member_client()
    admin = await staff_client(StaffRole.ADMIN)
    cases = [
        ({"memberId": member.member_gid, "reason": "no"}, ("reason", "INVALID")),
        ({"memberId": gid("Member", 10**9), "reason": "Ticket 1"}, ("memberId", "NOT_FOUND")),
        ({"memberId": gid("Tag", 1), "reason": "Ticket 1"}, ("memberId", "INVALID")),
    ]
    for request, (field, code) in cases:
        payload = (await admin.execute(STAFF_EXPORT, {"input": request}))["memberDataExport"]
        assert payload == {"data": None, "errors": [{"field": field, "code": code}]}
    assert await AccessRecord.all().count() == 0
    assert not await AuditEntry.exists(action="member.data_export")
