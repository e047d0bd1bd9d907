"""Retention: prospects who never logged in and raw member events are kept for a set period,
then purged by ``koc privacy retention``; aggregates stay."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from koc.creators.models import MemberSignals
from koc.members.models import Member, MemberIdentity
from koc.orders.models import MemberEvent, Order
from koc.privacy.models import ErasureChannel, ErasureRequest
from koc.privacy.retention import purge_events, purge_prospects
from tests.creators.factories import event

ORDER = """mutation($input: OrderRecordInput!) { orderRecord(input: $input) { errors { code } } }"""


def _ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


async def _order(dealer, external_id: str, member: dict[str, str], days_ago: int) -> None:
    order_input = {
        "externalId": external_id,
        "member": member,
        "amountCents": 50_000_00,
        "category": "charger",
        "occurredAt": _ago(days_ago),
    }
    assert (await dealer.execute(ORDER, {"input": order_input}))["orderRecord"]["errors"] == []


async def _age(member: Member, days: int) -> None:
    await Member.filter(id=member.id).update(created_at=datetime.now(UTC) - timedelta(days=days))


async def test_idle_prospects_are_erased_and_their_orders_still_count(
    app: Any, partner_client
) -> None:
    dealer = await partner_client(["orders:write"])
    # given a prospect a dealer reported 400 days ago, one who bought last week, and a member
    # who logged in long ago
    await _order(dealer, "old-1", {"phone": "13100000001"}, days_ago=400)
    idle = await Member.get(phone="+8613100000001")
    await _order(dealer, "new-1", {"phone": "13100000002"}, days_ago=400)
    await _order(dealer, "new-2", {"phone": "13100000002"}, days_ago=7)
    active = await Member.get(phone="+8613100000002")
    signed_in = await Member.create(phone="+8613100000003", nickname="signed in")
    await MemberIdentity.create(member_id=signed_in.id, appid="wx", openid="o-signed-in")
    for member in (idle, active, signed_in):
        await _age(member, 400)
    # when retention runs with a 365-day period
    assert await purge_prospects(365) == 1
    # then only the idle prospect is erased, as by a request, and its order still counts
    idle = await Member.get(id=idle.id)
    assert (idle.phone, idle.unionid, idle.order_count) == (None, None, 1)
    assert await Order.filter(member_id=idle.id).count() == 1
    request = await ErasureRequest.get(member_id=idle.id)
    assert request.channel == ErasureChannel.RETENTION
    assert (await Member.get(id=active.id)).phone == "+8613100000002"
    assert (await Member.get(id=signed_in.id)).phone == "+8613100000003"
    # and running again finds nothing more
    assert await purge_prospects(365) == 0


async def test_old_member_events_are_deleted_and_signals_kept(
    app: Any, member_client, partner_client
) -> None:
    dealer = await partner_client(["events:write"])
    member = await member_client()
    for external_id, days_ago in [("e-old", 800), ("e-new", 10)]:
        await event(dealer, member.member_id, "EVENT_ATTENDED", days_ago, external_id=external_id)
    before = await MemberSignals.get(member_id=member.member_id)
    assert await purge_events(730) == 1
    assert await MemberEvent.all().values_list("external_id", flat=True) == ["e-new"]
    after = await MemberSignals.get(member_id=member.member_id)
    assert after.events_attended == before.events_attended == 2


def test_the_privacy_jobs_run_from_the_command_line(tmp_path) -> None:
    env = {
        **os.environ,
        "KOC_DATABASE_URL": f"sqlite://{tmp_path}/jobs.sqlite3",
        "KOC_ENV": "development",
        "KOC_PRIVACY_EVENT_RETENTION_DAYS": "400",
    }

    def koc(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "koc.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    assert koc("migrate").returncode == 0
    erased = koc("privacy", "erase-due")
    assert erased.returncode == 0, erased.stderr
    assert "Erased 0 members whose cooling-off period ended" in erased.stdout
    purged = koc("privacy", "retention")
    assert purged.returncode == 0, purged.stderr
    assert "deleted 0 member events older than 400 days" in purged.stdout
