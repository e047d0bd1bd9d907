"""A store POS scans the member's short-lived redemption QR: verify, then redeem once."""

from datetime import UTC, datetime, timedelta

from koc.auth.models import StaffRole
from koc.badges import signing
from koc.privileges.codes import CODE_PURPOSE
from tests.conftest import TEST_SECRET
from tests.privileges.factories import (
    REDEMPTION_CODE,
    create_privilege,
    error_codes,
    grant,
    pk,
    redeem,
)

VERIFY = """
query($code: String!) {
  privilegeRedemptionVerify(code: $code) {
    valid error { code field } memberId memberNickname expiresAt privilege { code }
  }
}"""


async def _member_with_code(staff_client, member_client, **privilege):
    staff = await staff_client(StaffRole.OPERATOR)
    created = (await create_privilege(staff, code="STORE_GIFT", **privilege))["privilege"]
    member = await member_client(nickname="Li Lei")
    await grant(staff, member, created["id"])
    payload = (await member.execute(REDEMPTION_CODE, {"id": created["id"]}))[
        "privilegeRedemptionCode"
    ]
    return member, created, payload


async def test_a_pos_verifies_then_redeems_a_code_once(staff_client, member_client, partner_client):
    # given a member showing a fresh redemption code
    member, _, payload = await _member_with_code(staff_client, member_client)
    assert payload["errors"] == []
    code = payload["redemptionCode"]["code"]
    expires = datetime.fromisoformat(payload["redemptionCode"]["expiresAt"])
    assert timedelta(minutes=4) < expires - datetime.now(UTC) <= timedelta(minutes=5)
    pos = await partner_client(["privileges:redeem"])

    # when the POS checks it, it learns what and whose it is, without using it
    check = (await pos.execute(VERIFY, {"code": code}))["privilegeRedemptionVerify"]
    assert check["valid"] is True and check["error"] is None
    assert (check["memberId"], check["memberNickname"]) == (member.member_gid, "Li Lei")
    assert check["privilege"] == {"code": "STORE_GIFT"}

    # when it redeems it twice (a double scan), the privilege is used once
    first = await redeem(pos, code=code)
    second = await redeem(pos, code=code)
    assert first["errors"] == [] and first["replayed"] is False
    assert (first["redemption"]["channel"], first["redemption"]["via"]) == ("STORE", "PARTNER")
    assert second["replayed"] is True and second["redemption"] == first["redemption"]

    # and the code now says so
    after = (await pos.execute(VERIFY, {"code": code}))["privilegeRedemptionVerify"]
    assert after["valid"] is False and after["error"]["code"] == "ALREADY_REDEEMED"


async def test_expired_and_forged_codes_are_refused(staff_client, member_client, partner_client):
    member, privilege, payload = await _member_with_code(staff_client, member_client)
    pos = await partner_client(["privileges:redeem"])
    values = (member.member_id, pk(privilege["id"]), 1234)
    expired = signing.sign(
        TEST_SECRET, CODE_PURPOSE, values, datetime.now(UTC) - timedelta(seconds=1)
    )
    forged = signing.sign("x" * 40, CODE_PURPOSE, values, datetime.now(UTC) + timedelta(minutes=5))
    badge_token = signing.sign(
        TEST_SECRET, "badge", values, datetime.now(UTC) + timedelta(minutes=5)
    )

    assert error_codes(await redeem(pos, code=expired)) == ["CODE_EXPIRED"]
    for bad in (forged, badge_token, "12345"):
        assert error_codes(await redeem(pos, code=bad)) == ["CODE_INVALID"]
        check = (await pos.execute(VERIFY, {"code": bad}))["privilegeRedemptionVerify"]
        assert check["valid"] is False and check["error"]["code"] == "CODE_INVALID"
        assert check["memberId"] is None


async def test_no_code_is_issued_for_what_cannot_be_redeemed_in_a_store(
    staff_client, member_client
):
    _, _, online_only = await _member_with_code(staff_client, member_client, channel="ONLINE")
    stranger = await member_client()
    staff = await staff_client(StaffRole.OPERATOR)
    other = (await create_privilege(staff))["privilege"]

    assert error_codes(online_only) == ["WRONG_CHANNEL"]
    not_granted = (await stranger.execute(REDEMPTION_CODE, {"id": other["id"]}))[
        "privilegeRedemptionCode"
    ]
    assert error_codes(not_granted) == ["NOT_ELIGIBLE"]


async def test_partners_need_the_redeem_scope(staff_client, member_client, partner_client):
    _, _, payload = await _member_with_code(staff_client, member_client)
    code = payload["redemptionCode"]["code"]
    reader = await partner_client(["members:read"])

    for query, variables in (
        (VERIFY, {"code": code}),
        (
            "mutation($input: PrivilegeRedeemInput!) { privilegeRedeem(input: $input) { replayed } }",
            {"input": {"code": code}},
        ),
    ):
        errors = await reader.errors(query, variables)
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
