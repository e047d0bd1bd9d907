"""Erasure: asked by the member, carried out after the cooling-off period (or at once by an
admin), leaving aggregates as they were and no personal value in any table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from koc.audit.models import AuditEntry
from koc.auth.models import StaffRole
from koc.db import fetch, on_postgres
from koc.members.models import Member, MemberIdentity
from koc.privacy.erasure import erase_due
from koc.privacy.models import ErasureRequest, ErasureStatus
from tests.conftest import GraphQLClient
from tests.privacy import everything as e

REQUEST = "mutation { meErasureRequest { erasureRequest { status dueAt } errors { code } } }"
CANCEL = "mutation { meErasureCancel { erasureRequest { status cancelledAt } errors { code } } }"
ERASE = """mutation($input: MemberRequestInput!) {
  memberErase(input: $input) { erasureRequest { status channel reason erasedAt } errors { field code } } }"""
REFRESH = """mutation($t: String!) { tokenRefresh(refreshToken: $t) { errors { code } } }"""
AGGREGATES = """query($from: DateTime!, $to: DateTime!, $survey: ID!, $referrer: ID!, $member: ID!) {
  referralReport(from: $from, to: $to, groupBy: REFERRER) {
    totals { orders referredOrders revenueCents referredRevenueCents }
    rows { key orders referredOrders revenueCents referredRevenueCents }
    funnel { bindings leads testDrives deposits orders }
  }
  privilegeReport { rows { privilege { code } seatsReserved redemptions remainingStock } }
  surveyResults(surveyId: $survey) {
    responseCount
    questions { question { key } respondentCount options { option { key } count }
      rating { count average } textAnswers(first: 10) { totalCount } }
    demand { category { key } respondentCount someCount strongCount }
  }
  referrer: member(id: $referrer) { pointsBalance
    referrals(first: 10) { totalCount edges { node { milestone conversions { amountCents status } } } } }
  member(id: $member) { pointsBalance orderCount }
}"""


async def _aggregates(subject: e.Subject) -> dict[str, Any]:
    now = datetime.now(UTC)
    variables = {
        "from": (now - timedelta(days=30)).isoformat(),
        "to": (now + timedelta(days=1)).isoformat(),
        "survey": subject.survey_id,
        "referrer": subject.referrer.member_gid,
        "member": subject.client.member_gid,
    }
    data = await subject.admin.execute(AGGREGATES, variables)
    ledger = await fetch(
        "SELECT member_id, SUM(delta), COUNT(*) FROM points_entry GROUP BY member_id"
    )
    rollup = await fetch(
        "SELECT day, referrer_id, category, orders, referred_orders, revenue_cents,"
        ' referred_revenue_cents FROM "referral_report_day" ORDER BY 1, 2, 3'
    )
    return {**data, "ledger": sorted(map(tuple, ledger)), "rollup": [tuple(r) for r in rollup]}


async def _text_columns() -> list[tuple[str, str]]:
    """(table, column) of every text and JSON column of every table in the database."""
    if on_postgres():
        rows = await fetch(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema()"
            " AND data_type IN ('text', 'character varying', 'json', 'jsonb')"
        )
        return [(t, c) for t, c in rows]
    found = []
    for (table,) in await fetch("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in await fetch(f'PRAGMA table_info("{table}")'):
            if any(word in row[2].upper() for word in ("CHAR", "TEXT", "JSON", "CLOB")):
                found.append((table, row[1]))
    return found


async def _where_found(values: list[str]) -> list[str]:
    """``table.column: value`` for every personal value still stored anywhere."""
    found = []
    columns = await _text_columns()
    assert len(columns) > 100  # every table, not a few
    for table, column in columns:
        for (cell,) in await fetch(f'SELECT "{column}" FROM "{table}"'):
            text = str(cell or "")
            found += [f"{table}.{column}: {v}" for v in values if v in text]
    return found


async def test_erased_after_cooling_off_with_aggregates_unchanged_and_nothing_left(
    app: Any, http, settings, wechat_server, member_client, staff_client, partner_client
) -> None:
    # given a member with every kind of record, and what the brand's reports say
    subject = await e.member_with_everything(
        http, wechat_server, member_client, staff_client, partner_client
    )
    assert len(await _where_found(subject.personal)) > 10  # the scan sees what is there
    before = await _aggregates(subject)
    # when they ask to be erased
    asked = (await subject.client.execute(REQUEST))["meErasureRequest"]
    assert asked["errors"] == [] and asked["erasureRequest"]["status"] == "PENDING"
    due = datetime.fromisoformat(asked["erasureRequest"]["dueAt"])
    days = settings.privacy_erasure_cooling_off_days
    assert abs(due - datetime.now(UTC) - timedelta(days=days)) < timedelta(minutes=1)
    # then nothing happens during the cooling-off period
    assert await erase_due() == 0
    assert (await Member.get(id=subject.member_id)).nickname == e.NICKNAME
    # and the job erases them once it ends
    await ErasureRequest.filter(member_id=subject.member_id).update(
        due_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert await erase_due() == 1
    # every aggregate reads as before
    assert await _aggregates(subject) == before
    # no personal value is left in any text column of any table
    assert await _where_found(subject.personal) == []
    member = await Member.get(id=subject.member_id)
    assert (member.phone, member.unionid, member.birthday) == (None, None, None)
    assert not await MemberIdentity.exists(member_id=subject.member_id)
    # their sessions end, and every purpose is withdrawn
    refused = await GraphQLClient(http).execute(REFRESH, {"t": subject.refresh_token})
    assert refused["tokenRefresh"]["errors"]
    consents = await subject.admin.execute(
        "query($m: ID!) { member(id: $m) { consents { purpose granted decision { channel } } "
        "erasureRequest { status erasedAt } } }",
        {"m": subject.client.member_gid},
    )
    member_view = consents["member"]
    assert {c["granted"] for c in member_view["consents"]} == {False}
    assert {c["decision"]["channel"] for c in member_view["consents"]} == {"ERASURE"}
    assert member_view["erasureRequest"]["status"] == "DONE"
    # staff actions on them keep who and when, not what
    entry = await AuditEntry.get(action="member.stage_set", object_id=str(subject.member_id))
    assert entry.staff_id == subject.admin.staff_id
    assert set(entry.after.values()) == {"[erased]"}
    # and the same person signing in again with WeChat is a new member
    wechat_server.state.login_codes["login-again"] = (e.OPENID, e.UNIONID)
    again = await GraphQLClient(http).execute(
        'mutation { memberLogin(code: "login-again") { created member { id } errors { code } } }'
    )
    assert again["memberLogin"]["created"] is True
    assert again["memberLogin"]["member"]["id"] != subject.client.member_gid


async def test_the_member_may_cancel_during_cooling_off(app: Any, member_client) -> None:
    member = await member_client(nickname="Changes Mind")
    assert (await member.execute(CANCEL))["meErasureCancel"]["errors"] == [
        {"code": "NOT_REQUESTED"}
    ]
    assert (await member.execute(REQUEST))["meErasureRequest"]["errors"] == []
    assert (await member.execute(REQUEST))["meErasureRequest"]["errors"] == [
        {"code": "ALREADY_REQUESTED"}
    ]
    cancelled = (await member.execute(CANCEL))["meErasureCancel"]
    assert cancelled["erasureRequest"]["status"] == "CANCELLED"
    await ErasureRequest.all().update(due_at=datetime.now(UTC) - timedelta(days=1))
    assert await erase_due() == 0
    assert (await Member.get(id=member.member_id)).nickname == "Changes Mind"


async def test_an_admin_erases_at_once_with_a_reason(app: Any, member_client, staff_client) -> None:
    member = await member_client(nickname="Asked By Phone", phone="+8613600000077")
    admin = await staff_client(StaffRole.ADMIN)
    # a reason is required, and a refusal changes nothing
    bad = {"memberId": member.member_gid, "reason": "  "}
    refused = (await admin.execute(ERASE, {"input": bad}))["memberErase"]
    assert refused["errors"] == [{"field": "reason", "code": "INVALID"}]
    assert (await Member.get(id=member.member_id)).phone == "+8613600000077"
    # erased with the reason, audited
    good = {"memberId": member.member_gid, "reason": "Ticket 99: erase me"}
    done = (await admin.execute(ERASE, {"input": good}))["memberErase"]
    assert done["errors"] == []
    assert done["erasureRequest"]["status"] == "DONE"
    assert done["erasureRequest"]["channel"] == "STAFF"
    assert done["erasureRequest"]["reason"] == "Ticket 99: erase me"
    assert (await Member.get(id=member.member_id)).phone is None
    entry = await AuditEntry.get(action="member.erase")
    assert (entry.staff_id, entry.after) == (admin.staff_id, {"reason": "Ticket 99: erase me"})
    # once only
    again = (await admin.execute(ERASE, {"input": good}))["memberErase"]
    assert again["errors"] == [{"field": "memberId", "code": "ALREADY_ERASED"}]
    assert await ErasureRequest.filter(status=ErasureStatus.DONE).count() == 1
