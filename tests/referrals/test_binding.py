"""referralBind: the first valid referrer binds the referee; every refusal is typed and recorded."""

from koc.auth.models import PartnerScope, StaffRole
from koc.events import KocStatusChanged, publish
from tests.conftest import gid, make_member
from tests.referrals.helpers import BIND, bind, code_of, record_order

ATTEMPTS = """
query($filter: ReferralAttemptFilterInput) {
  referralAttempts(filter: $filter, first: 50) {
    totalCount edges { node { code channel refusal deviceId referee { id } } }
  }
}"""


async def test_first_touch_binds_and_a_later_code_does_not_steal(member_client, staff_client):
    # given two referrers and a visitor
    alice, bob = await member_client(), await member_client()
    visitor = await member_client(nickname="Lin Visitor")
    alice_code, bob_code = await code_of(alice), await code_of(bob)

    # when the visitor arrives through Alice's share card, then Bob's poster
    first = await bind(visitor, alice_code, "SHARE")
    second = await bind(visitor, f"r={bob_code}", "POSTER")

    # then Alice keeps the referee; Bob's code is refused with ALREADY_BOUND
    assert first["errors"] == []
    assert first["referral"]["milestone"] == "LEAD"
    assert first["referral"]["refereeName"] == "L**"
    assert [e["code"] for e in second["errors"]] == ["ALREADY_BOUND"]
    assert second["referral"]["id"] == first["referral"]["id"]
    staff = await staff_client(StaffRole.ANALYST)
    data = await staff.execute(
        "query($id: ID!) { member(id: $id) { referredBy { referrer { id } channel code } } }",
        {"id": visitor.member_gid},
    )
    assert data["member"]["referredBy"] == {
        "referrer": {"id": alice.member_gid},
        "channel": "SHARE",
        "code": alice_code,
    }


async def test_the_same_code_again_is_accepted_without_a_second_binding(member_client):
    alice, visitor = await member_client(), await member_client()
    code = await code_of(alice)
    first = await bind(visitor, code)
    again = await bind(visitor, f"koc_r_{code.lower()}", "WECOM")
    assert again["errors"] == []
    assert again["referral"]["id"] == first["referral"]["id"]


async def _refusal(client, code) -> str:
    payload = await bind(client, code)
    assert payload["referral"] is None or payload["errors"], payload
    return [e["code"] for e in payload["errors"]][0]


async def test_every_refusal_reason_is_returned_and_recorded(
    member_client, staff_client, partner_client
):
    operator = await staff_client(StaffRole.OPERATOR)
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    referrer = await member_client()
    code = await code_of(referrer)

    # self-referral
    assert await _refusal(referrer, code) == "SELF_REFERRAL"
    # unknown code
    visitor = await member_client()
    assert await _refusal(visitor, "NOSUCH99") == "UNKNOWN_CODE"
    # a referee who already bought before the visit
    customer = await member_client()
    await record_order(partner, customer.member_id, 10_000)
    assert await _refusal(customer, code) == "ALREADY_CUSTOMER"
    # a paused referrer (the creators feature's status hook)
    paused = await member_client()
    paused_code = await code_of(paused)
    from koc.members.models import Member

    await publish(
        KocStatusChanged(member=await Member.get(id=paused.member_id), status="PAUSED", roles=[])
    )
    assert await _refusal(visitor, paused_code) == "REFERRER_PAUSED"
    # a banned referrer
    banned = await member_client()
    banned_code = await code_of(banned)
    data = await operator.execute(
        """mutation($input: ReferrerStatusSetInput!) { referrerStatusSet(input: $input) {
             referrerStatus errors { code } } }""",
        {"input": {"memberId": banned.member_gid, "banned": True, "reason": "farming"}},
    )
    assert data["referrerStatusSet"] == {"referrerStatus": "BANNED", "errors": []}
    assert await _refusal(visitor, banned_code) == "REFERRER_BANNED"
    # a disabled code
    disabled = await member_client()
    disabled_code = await code_of(disabled)
    data = await operator.execute(
        """mutation($input: ReferralCodeSetInput!) { referralCodeSet(input: $input) {
             referralCode { active } errors { code } } }""",
        {"input": {"memberId": disabled.member_gid, "code": disabled_code, "active": False}},
    )
    assert data["referralCodeSet"]["referralCode"] == {"active": False}
    assert await _refusal(visitor, disabled_code) == "CODE_DISABLED"

    # then every refusal was recorded with its reason, and nothing was bound
    analyst = await staff_client(StaffRole.ANALYST)
    data = await analyst.execute(ATTEMPTS, {"filter": {"refused": True}})
    reasons = sorted(e["node"]["refusal"] for e in data["referralAttempts"]["edges"])
    assert reasons == sorted(
        [
            "SELF_REFERRAL",
            "UNKNOWN_CODE",
            "ALREADY_CUSTOMER",
            "REFERRER_PAUSED",
            "REFERRER_BANNED",
            "CODE_DISABLED",
        ]
    )
    data = await analyst.execute("{ referrals { totalCount } }")
    assert data["referrals"]["totalCount"] == 0


async def test_a_lifted_ban_and_an_active_koc_bind_again(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    referrer, visitor = await member_client(), await member_client()
    code = await code_of(referrer)
    mutation = """mutation($input: ReferrerStatusSetInput!) { referrerStatusSet(input: $input) {
        referrerStatus errors { code field } } }"""
    await operator.execute(
        mutation, {"input": {"memberId": referrer.member_gid, "banned": True, "reason": "x"}}
    )
    data = await operator.execute(
        mutation, {"input": {"memberId": referrer.member_gid, "banned": False}}
    )
    assert data["referrerStatusSet"]["referrerStatus"] == "ACTIVE"
    assert (await bind(visitor, code))["errors"] == []


async def test_a_ban_needs_a_reason(member_client, staff_client):
    operator = await staff_client(StaffRole.OPERATOR)
    referrer = await member_client()
    data = await operator.execute(
        """mutation($input: ReferrerStatusSetInput!) { referrerStatusSet(input: $input) {
             referrerStatus errors { code field } } }""",
        {"input": {"memberId": referrer.member_gid, "banned": True, "reason": " "}},
    )
    assert data["referrerStatusSet"] == {
        "referrerStatus": None,
        "errors": [{"code": "INVALID", "field": "reason"}],
    }


async def test_bad_input_is_a_typed_error_and_writes_nothing(member_client, staff_client):
    referrer, visitor = await member_client(), await member_client()
    code = await code_of(referrer)
    for extra, field in (
        ({"deviceId": "d" * 65}, "deviceId"),
        ({"riskRank": 9}, "riskRank"),
        ({"code": "  "}, "code"),
    ):
        variables = {"input": {"code": code, "channel": "SHARE", **extra}}
        data = await visitor.execute(BIND, variables)
        assert [(e["code"], e["field"]) for e in data["referralBind"]["errors"]] == [
            ("INVALID", field)
        ]
    analyst = await staff_client(StaffRole.ANALYST)
    data = await analyst.execute(ATTEMPTS)
    assert data["referralAttempts"]["totalCount"] == 0


async def test_only_members_bind(staff_client, partner_client, anon_client):
    variables = {"input": {"code": "ABCDEFGH", "channel": "SHARE"}}
    staff = await staff_client(StaffRole.ADMIN)
    assert (await staff.errors(BIND, variables))[0]["extensions"]["code"] == "FORBIDDEN"
    partner = await partner_client([PartnerScope.REFERRALS_READ])
    assert (await partner.errors(BIND, variables))[0]["extensions"]["code"] == "FORBIDDEN"
    errors = await anon_client.errors(BIND, variables)
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_referee_sees_the_binding_but_not_the_referrer(member_client):
    referrer, visitor = await member_client(), await member_client()
    await bind(visitor, await code_of(referrer))
    data = await visitor.execute(
        "{ me { referredBy { referrer { id } referee { id } fraudSignals } } }"
    )
    assert data["me"]["referredBy"] == {
        "referrer": None,
        "referee": {"id": visitor.member_gid},
        "fraudSignals": [],
    }


async def test_a_member_cannot_read_another_members_referrals(member_client):
    alice, bob = await member_client(), await member_client()
    errors = await bob.errors(
        "query($id: ID!) { member(id: $id) { referrals { totalCount } } }",
        {"id": gid("Member", alice.member_id)},
    )
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_make_member_helper_stays_unbound():
    member = await make_member()
    from koc.referrals.models import Referral

    assert not await Referral.exists(referee_id=member.id)
