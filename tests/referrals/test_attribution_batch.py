"""Orders reported in one batch are attributed as if they had come one after the other."""

from datetime import timedelta

from koc.auth.models import PartnerScope, StaffRole
from koc.badges.models import MemberSignal
from koc.creators.models import MemberSignals
from tests.conftest import gid
from tests.referrals.helpers import bind, code_of, now, referrals_of

BATCH = """mutation($i: OrdersRecordInput!) { ordersRecord(input: $i) {
  recorded failed results { errors { code } } } }"""

TIERS = """mutation($input: ReferralProgramUpdateInput!) {
  referralProgramUpdate(input: $input) { errors { code } } }"""


def order(external_id: str, member_id: int, second: int, **fields) -> dict:
    # After the bindings made just before, in the order of ``second``.
    return {
        "externalId": external_id,
        "member": {"memberId": gid("Member", member_id)},
        "amountCents": 300_000_00,
        "category": "vehicle",
        "occurredAt": (now() + timedelta(seconds=second)).isoformat(),
        **fields,
    }


async def test_a_batch_converts_each_referral_once_with_ordinals_in_order(
    member_client, staff_client, partner_client
):
    operator = await staff_client(StaffRole.OPERATOR)
    tiers = [
        {"fromConversion": 1, "referrerPoints": 100},
        {"fromConversion": 3, "referrerPoints": 300},
    ]
    data = await operator.execute(TIERS, {"input": {"tierPeriod": "YEAR", "tiers": tiers}})
    assert data["referralProgramUpdate"]["errors"] == []
    referrer = await member_client()
    code = await code_of(referrer)
    a, b, c = [await member_client() for _ in range(3)]
    for referee in (a, b, c):
        await bind(referee, code)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])

    orders = [
        order("a-1", a.member_id, 1),
        order("b-1", b.member_id, 2),
        order("a-2", a.member_id, 3),  # the referral converted already (first order only)
        order("c-1", c.member_id, 4),
    ]
    data = (await partner.execute(BATCH, {"i": {"orders": orders}}))["ordersRecord"]
    assert (data["recorded"], data["failed"]) == (4, 0)

    by_referee = {r["referee"]["id"]: r for r in await referrals_of(operator, referrer.member_id)}
    conversions = {
        who: [(x["amountCents"], x["ordinal"]) for x in by_referee[gid("Member", m)]["conversions"]]
        for who, m in (("a", a.member_id), ("b", b.member_id), ("c", c.member_id))
    }
    assert conversions == {"a": [(300_000_00, 1)], "b": [(300_000_00, 2)], "c": [(300_000_00, 3)]}
    points = {
        who: [(r["tier"], r["points"]) for r in by_referee[gid("Member", m)]["rewards"]]
        for who, m in (("a", a.member_id), ("b", b.member_id), ("c", c.member_id))
    }
    assert points == {"a": [(1, 100)], "b": [(1, 100)], "c": [(3, 300)]}
    assert {r["milestone"] for r in by_referee.values()} == {"CONVERTED"}
    # The referrer's signals count three converted friends, the buyers' their own orders.
    assert await MemberSignal.filter(member_id=referrer.member_id).count() == 3
    signals = {s.member_id: s for s in await MemberSignals.all()}
    assert signals[referrer.member_id].converted_referrals == 3
    assert [signals[m].order_count for m in (a.member_id, b.member_id, c.member_id)] == [2, 1, 1]


async def test_a_code_given_at_the_counter_binds_then_converts_in_the_batch(
    member_client, staff_client, partner_client
):
    staff = await staff_client(StaffRole.ANALYST)
    referrer = await member_client()
    buyer = await member_client()
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    orders = [
        order("with-code", buyer.member_id, 1, referralCode=await code_of(referrer)),
        order("later", buyer.member_id, 2, amountCents=5_000_00),
    ]
    data = (await partner.execute(BATCH, {"i": {"orders": orders}}))["ordersRecord"]
    assert data["recorded"] == 2

    [referral] = await referrals_of(staff, referrer.member_id)
    assert referral["channel"] == "ORDER" and referral["milestone"] == "CONVERTED"
    assert [x["amountCents"] for x in referral["conversions"]] == [300_000_00]
