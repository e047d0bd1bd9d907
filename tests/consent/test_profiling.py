"""A member who withdrew PROFILING gets no discovery score and no automatic tags."""

from __future__ import annotations

from typing import Any

from koc.auth.models import PartnerScope, StaffRole
from koc.consent.models import Purpose
from koc.creators.models import MemberSignals
from koc.creators.signals import rebuild_all
from koc.members.models import MemberTag
from tests.consent.factories import decide
from tests.creators.factories import make_koc, order

CANDIDATES = "{ kocCandidates(first: 50) { edges { node { member { id } score } } } }"


async def _ranked(analyst) -> set[str]:
    data = await analyst.execute(CANDIDATES)
    return {e["node"]["member"]["id"] for e in data["kocCandidates"]["edges"]}


async def test_no_score_for_a_member_who_withdrew_profiling(
    app: Any, member_client, staff_client, partner_client
) -> None:
    analyst = await staff_client(StaffRole.ANALYST)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    keeps, withdraws = await member_client(), await member_client()
    # given both bought, so both are ranked
    for member in (keeps, withdraws):
        await order(partner, member.member_id, 300_000_00)
    assert await _ranked(analyst) == {keeps.member_gid, withdraws.member_gid}
    # when one withdraws profiling, their score is gone at once
    await decide(withdraws.member_id, Purpose.PROFILING, granted=False)
    assert await _ranked(analyst) == {keeps.member_gid}
    assert not await MemberSignals.exists(member_id=withdraws.member_id)
    # and new signals and the nightly rebuild do not bring it back
    await order(partner, withdraws.member_id, 100_000_00)
    await rebuild_all()
    assert await _ranked(analyst) == {keeps.member_gid}
    assert not await MemberSignals.exists(member_id=withdraws.member_id)
    # until they grant it again: the rebuild scores them from what they did
    await decide(withdraws.member_id, Purpose.PROFILING, granted=True)
    await rebuild_all()
    signals = await MemberSignals.get(member_id=withdraws.member_id)
    assert signals.order_count == 2
    assert await _ranked(analyst) == {keeps.member_gid, withdraws.member_gid}


async def test_no_automatic_tags_for_a_member_who_withdrew_profiling(
    app: Any, member_client, staff_client
) -> None:
    operator = await staff_client(StaffRole.OPERATOR)
    keeps, withdraws = await member_client(), await member_client()
    await decide(withdraws.member_id, Purpose.PROFILING, granted=False)
    # when both become KOCs (which tags KOCs automatically)
    for member in (keeps, withdraws):
        await make_koc(member, operator, ["CONTENT"])
    # then only the one who allows profiling carries the automatic tag
    tagged = set(await MemberTag.all().values_list("member_id", flat=True))
    assert tagged == {keeps.member_id}
