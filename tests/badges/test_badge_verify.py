"""A check-in app verifies a member's badge QR with its partner token, offline of any
database of its own: valid, expired, forged and revoked tokens."""

from datetime import UTC, datetime, timedelta

from strawberry.relay import from_base64

from koc.auth.models import StaffRole
from koc.badges import signing
from koc.badges.showing import TOKEN_PURPOSE
from tests.badges.factories import BADGE_AWARD, BADGE_REVOKE, create_badge, my_badges
from tests.conftest import TEST_SECRET

VERIFY = """
query($token: String!) {
  badgeVerify(token: $token) {
    result valid memberId memberNickname awardedAt expiresAt badge { code name }
  }
}"""


async def _holder(staff_client, member_client):
    staff = await staff_client(StaffRole.OPERATOR)
    badge = (await create_badge(staff, code="GOLD_OWNER", name="Gold owner"))["badge"]
    member = await member_client(nickname="Xiao Wang")
    input = {"memberId": member.member_gid, "badgeId": badge["id"], "reason": "Top referrer"}
    await staff.execute(BADGE_AWARD, {"input": input})
    return staff, member, badge, input


async def test_a_genuine_token_verifies_with_the_holder(
    staff_client, member_client, partner_client
):
    # given a member holding a badge, showing the QR from their badge list
    _, member, _, _ = await _holder(staff_client, member_client)
    qr = (await my_badges(member))["badges"][0]["qrToken"]
    checkin = await partner_client(["badges:verify"])

    # when the check-in app scans it
    result = (await checkin.execute(VERIFY, {"token": qr["token"]}))["badgeVerify"]

    # then it is valid, for that member and badge
    assert result["result"] == "VALID" and result["valid"] is True
    assert result["memberId"] == member.member_gid
    assert result["memberNickname"] == "Xiao Wang"
    assert result["badge"] == {"code": "GOLD_OWNER", "name": "Gold owner"}
    assert result["expiresAt"] == qr["expiresAt"]


async def test_an_expired_token_is_refused_as_expired(staff_client, member_client, partner_client):
    _, member, badge, _ = await _holder(staff_client, member_client)
    badge_pk = int(from_base64(badge["id"])[1])
    old = signing.sign(
        TEST_SECRET,
        TOKEN_PURPOSE,
        (member.member_id, badge_pk),
        datetime.now(UTC) - timedelta(seconds=1),
    )
    checkin = await partner_client(["badges:verify"])

    result = (await checkin.execute(VERIFY, {"token": old}))["badgeVerify"]

    assert result["result"] == "EXPIRED" and result["valid"] is False
    assert result["memberNickname"] is None


async def test_forged_tokens_are_invalid(staff_client, member_client, partner_client):
    _, member, _, _ = await _holder(staff_client, member_client)
    token = (await my_badges(member))["badges"][0]["qrToken"]["token"]
    checkin = await partner_client(["badges:verify"])
    # a token for another member, signed with a guessed key
    guessed = signing.sign(
        "guessed-secret-" + "y" * 30, TOKEN_PURPOSE, (1, 1), datetime.now(UTC) + timedelta(days=1)
    )
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    for forged in (guessed, tampered, "hello"):
        result = (await checkin.execute(VERIFY, {"token": forged}))["badgeVerify"]
        assert (result["result"], result["badge"], result["memberId"]) == ("INVALID", None, None)


async def test_a_revoked_badge_no_longer_verifies(staff_client, member_client, partner_client):
    staff, member, _, input = await _holder(staff_client, member_client)
    token = (await my_badges(member))["badges"][0]["qrToken"]["token"]
    await staff.execute(BADGE_REVOKE, {"input": input})
    checkin = await partner_client(["badges:verify"])

    result = (await checkin.execute(VERIFY, {"token": token}))["badgeVerify"]

    assert result["result"] == "REVOKED" and result["memberNickname"] is None


async def test_only_the_holder_gets_a_qr_and_only_verifiers_verify(
    staff_client, member_client, partner_client
):
    staff, member, _, _ = await _holder(staff_client, member_client)
    view = await staff.execute(
        "query($id: ID!) { member(id: $id) { ... on Member { badges { qrToken { token } } } } }",
        {"id": member.member_gid},
    )
    assert view["member"]["badges"] == [{"qrToken": None}]

    token = (await my_badges(member))["badges"][0]["qrToken"]["token"]
    for caller in (await partner_client(["orders:write"]), member):
        errors = await caller.errors(VERIFY, {"token": token})
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
