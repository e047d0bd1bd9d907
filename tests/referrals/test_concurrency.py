"""The same order replayed concurrently attributes once; the ledger stays exact under load."""

import asyncio

from koc.auth.models import PartnerScope, StaffRole
from koc.referrals import ledger
from koc.referrals.models import PointsEntry, PointsReason, ReferralAccount
from tests.conftest import make_member
from tests.referrals.helpers import ORDER, bind, code_of, iso, now, referrals_of


async def test_an_order_replayed_concurrently_is_attributed_once(
    member_client, staff_client, partner_client
):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer, referee = await member_client(), await member_client()
    await bind(referee, await code_of(referrer))
    order_input = {
        "externalId": "same-order",
        "member": {"memberId": referee.member_gid},
        "amountCents": 300_000_00,
        "category": "vehicle",
        "occurredAt": iso(now()),
    }

    results = await asyncio.gather(
        *(partner.execute(ORDER, {"input": order_input}) for _ in range(10))
    )

    assert sorted(r["orderRecord"]["replayed"] for r in results) == [False] + [True] * 9
    [referral] = await referrals_of(await staff_client(StaffRole.ANALYST), referrer.member_id)
    assert len(referral["conversions"]) == 1
    assert len(referral["rewards"]) == 1


async def test_a_thousand_concurrent_credits_leave_an_exact_balance(app):
    # Called on the ledger service directly: 1,000 GraphQL round trips would only add HTTP
    # overhead, the contention under test is the same.
    member = await make_member()
    await asyncio.gather(
        *(
            ledger.post_points(member.id, 3, PointsReason.REFERRAL_REWARD, "load", f"load-{i}")
            for i in range(1000)
        )
    )
    # a replayed key posts nothing
    await ledger.post_points(member.id, 3, PointsReason.REFERRAL_REWARD, "load", "load-7")

    account = await ReferralAccount.get(member_id=member.id)
    assert account.points_balance == 3000
    balances = sorted(
        await PointsEntry.filter(member_id=member.id).values_list("balance_after", flat=True)
    )
    assert balances == list(range(3, 3001, 3))
