"""Orders of a bound referee inside the window are attributed to the referrer, per the program."""

from datetime import timedelta

from koc.auth.models import PartnerScope, StaffRole
from koc.referrals.models import Referral
from tests.referrals.helpers import bind, code_of, now, record_order, referrals_of

PROGRAM_UPDATE = """
mutation($input: ReferralProgramUpdateInput!) {
  referralProgramUpdate(input: $input) {
    program { qualifyingOrders minAmountCents categories tierPeriod
              tiers { fromConversion referrerPoints refereePoints privilege } }
    errors { field code message }
  }
}"""


async def _bound_pair(member_client):
    referrer, referee = await member_client(), await member_client()
    await bind(referee, await code_of(referrer))
    return referrer, referee


async def test_first_order_only_by_default(member_client, staff_client, partner_client):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    staff = await staff_client(StaffRole.ANALYST)
    referrer, referee = await _bound_pair(member_client)

    await record_order(partner, referee.member_id, 250_000_00)
    await record_order(partner, referee.member_id, 5_000_00, category="accessory")

    [referral] = await referrals_of(staff, referrer.member_id)
    assert referral["milestone"] == "CONVERTED"
    assert [c["amountCents"] for c in referral["conversions"]] == [250_000_00]
    assert [(r["role"], r["points"], r["status"]) for r in referral["rewards"]] == [
        ("REFERRER", 100, "PENDING")
    ]


async def test_every_order_min_amount_and_categories(member_client, staff_client, partner_client):
    operator = await staff_client(StaffRole.OPERATOR)
    data = await operator.execute(
        PROGRAM_UPDATE,
        {
            "input": {
                "qualifyingOrders": "EVERY_ORDER",
                "minAmountCents": 1_000_00,
                "categories": ["vehicle", "charger", "vehicle"],
            }
        },
    )
    program = data["referralProgramUpdate"]["program"]
    assert program["qualifyingOrders"] == "EVERY_ORDER"
    assert program["categories"] == ["vehicle", "charger"]
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer, referee = await _bound_pair(member_client)

    await record_order(partner, referee.member_id, 300_000_00, category="vehicle")
    await record_order(partner, referee.member_id, 999_99, category="charger")  # too small
    await record_order(partner, referee.member_id, 8_000_00, category="insurance")  # category
    await record_order(partner, referee.member_id, 6_000_00, category="Charger")

    [referral] = await referrals_of(operator, referrer.member_id)
    assert [c["amountCents"] for c in referral["conversions"]] == [300_000_00, 6_000_00]
    assert [c["ordinal"] for c in referral["conversions"]] == [1, 2]


async def test_orders_of_members_nobody_referred_are_not_attributed(
    member_client, staff_client, partner_client
):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    loner = await member_client()
    await record_order(partner, loner.member_id)
    staff = await staff_client(StaffRole.ANALYST)
    data = await staff.execute("{ referralRewards { totalCount } }")
    assert data["referralRewards"]["totalCount"] == 0


async def test_an_order_after_the_window_is_not_attributed(
    member_client, staff_client, partner_client
):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    staff = await staff_client(StaffRole.ANALYST)
    referrer, referee = await _bound_pair(member_client)
    # given a binding made 181 days ago (default window: 180 days)
    long_ago = now() - timedelta(days=181)
    await Referral.filter(referee_id=referee.member_id).update(
        bound_at=long_ago, expires_at=long_ago + timedelta(days=180), milestone_at=long_ago
    )
    # when the referee finally buys
    await record_order(partner, referee.member_id)
    # then nothing is attributed and the binding shows as lapsed
    data = await staff.execute(
        "query($id: ID!) { member(id: $id) { referredBy { lapsed milestone conversions { amountCents } } } }",
        {"id": referee.member_gid},
    )
    assert data["member"]["referredBy"] == {"lapsed": True, "milestone": "LEAD", "conversions": []}


async def test_a_lapsed_binding_gives_way_to_a_new_first_touch(member_client, staff_client):
    staff = await staff_client(StaffRole.ANALYST)
    referrer, referee = await _bound_pair(member_client)
    long_ago = now() - timedelta(days=200)
    await Referral.filter(referee_id=referee.member_id).update(
        bound_at=long_ago, expires_at=long_ago + timedelta(days=180)
    )
    newcomer = await member_client()
    payload = await bind(referee, await code_of(newcomer))
    assert payload["errors"] == []
    assert await referrals_of(staff, referrer.member_id) == []
    assert len(await referrals_of(staff, newcomer.member_id)) == 1


async def test_order_time_binding_for_offline_referrals(
    member_client, staff_client, partner_client
):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    staff = await staff_client(StaffRole.ANALYST)
    referrer = await member_client()
    code = await code_of(referrer)
    # a walk-in customer the brand never saw, named by phone, gives the code at the counter
    data = await partner.execute(
        """mutation($input: OrderRecordInput!) { orderRecord(input: $input) {
             order { member { id } } errors { code } } }""",
        {
            "input": {
                "externalId": "walk-in-1",
                "member": {"phone": "+8613912345678"},
                "amountCents": 280_000_00,
                "category": "vehicle",
                "occurredAt": now().isoformat(),
                "referralCode": code,
            }
        },
    )
    assert data["orderRecord"]["errors"] == []
    [referral] = await referrals_of(staff, referrer.member_id)
    assert referral["channel"] == "ORDER"
    assert referral["milestone"] == "CONVERTED"
    assert referral["referee"]["id"] == data["orderRecord"]["order"]["member"]["id"]


async def test_order_time_binding_follows_the_same_rules(
    member_client, staff_client, partner_client
):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    staff = await staff_client(StaffRole.ANALYST)
    referrer, customer = await member_client(), await member_client()
    await record_order(partner, customer.member_id, 10_000)
    # a returning customer quotes a code: the order stands, the binding is refused and recorded
    await record_order(partner, customer.member_id, referral_code=await code_of(referrer))
    assert await referrals_of(staff, referrer.member_id) == []
    data = await staff.execute(
        "{ referralAttempts(first: 5) { edges { node { channel refusal } } } }"
    )
    assert [e["node"] for e in data["referralAttempts"]["edges"]] == [
        {"channel": "ORDER", "refusal": "ALREADY_CUSTOMER"}
    ]


async def test_program_update_validates_and_writes_nothing_on_error(staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    for bad, field in (
        ({"minAmountCents": -1}, "minAmountCents"),
        ({"categories": [""]}, "categories"),
        ({"tiers": [{"fromConversion": 2, "referrerPoints": 10}]}, "tiers"),
        ({"tiers": []}, "tiers"),
    ):
        data = await operator.execute(PROGRAM_UPDATE, {"input": bad})
        payload = data["referralProgramUpdate"]
        assert payload["program"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", field)]
    data = await operator.execute(
        "{ referralProgram { qualifyingOrders minAmountCents attributionWindowDays rewardHoldDays "
        "tiers { fromConversion referrerPoints } } }"
    )
    assert data["referralProgram"] == {
        "qualifyingOrders": "FIRST_ORDER",
        "minAmountCents": 0,
        "attributionWindowDays": 180,
        "rewardHoldDays": 14,
        "tiers": [{"fromConversion": 1, "referrerPoints": 100}],
    }


async def test_only_operators_edit_the_program(staff_client, member_client):
    analyst = await staff_client(StaffRole.ANALYST)
    errors = await analyst.errors(PROGRAM_UPDATE, {"input": {"minAmountCents": 5}})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    member = await member_client()
    data = await member.execute("{ referralProgram { qualifyingOrders } }")
    assert data["referralProgram"]["qualifyingOrders"] == "FIRST_ORDER"
