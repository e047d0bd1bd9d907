"""When a prospect turns out to be an existing member, its referral rows move with it."""

from tortoise.transactions import in_transaction

from koc.auth.models import PartnerScope, StaffRole
from koc.members.models import Member
from koc.orders.prospects import merge_prospect
from tests.referrals.helpers import code_of, referrals_of

WALK_IN = """
mutation($input: OrderRecordInput!) { orderRecord(input: $input) { order { id } errors { code field message } } }"""


async def _walk_in(partner, phone: str, code: str) -> Member:
    data = await partner.execute(
        WALK_IN,
        {
            "input": {
                "externalId": f"walk-in-{phone[1:]}",
                "member": {"phone": phone},
                "amountCents": 200_000_00,
                "category": "vehicle",
                "occurredAt": "2026-01-05T10:00:00+00:00",
                "referralCode": code,
            }
        },
    )
    assert data["orderRecord"]["errors"] == [], data
    return await Member.get(phone=phone)


async def _merge(prospect: Member, into_id: int) -> None:
    async with in_transaction():
        await merge_prospect(prospect, into=await Member.get(id=into_id))


async def test_the_referee_binding_moves_to_the_member(member_client, staff_client, partner_client):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    staff = await staff_client(StaffRole.ANALYST)
    referrer, person = await member_client(), await member_client()
    prospect = await _walk_in(partner, "+8613911112222", await code_of(referrer))

    await _merge(prospect, person.member_id)

    [referral] = await referrals_of(staff, referrer.member_id)
    assert referral["referee"] == {"id": person.member_gid}
    assert referral["milestone"] == "CONVERTED"
    assert referral["reviewStatus"] == "NONE"


async def test_a_referee_who_is_the_referrer_is_flagged(
    member_client, staff_client, partner_client
):
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    staff = await staff_client(StaffRole.ANALYST)
    referrer = await member_client()
    # the referrer bought for "a friend" under their own second phone
    prospect = await _walk_in(partner, "+8613933334444", await code_of(referrer))

    await _merge(prospect, referrer.member_id)

    [referral] = await referrals_of(staff, referrer.member_id)
    assert referral["referee"] == {"id": referrer.member_gid}
    assert referral["reviewStatus"] == "PENDING"
    assert referral["fraudSignals"] == ["SHARED_PHONE"]
    assert [r["status"] for r in referral["rewards"]] == ["HELD"]
