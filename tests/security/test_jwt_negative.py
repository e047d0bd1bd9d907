"""Every way a bearer token can be wrong is refused: forged, confused, expired, misdirected,
revoked, reused, or short of the scope asked for."""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from koc.auth.models import PartnerScope, PartnerToken, RefreshToken, StaffRole
from koc.auth.services import issue_member_tokens
from koc.auth.tokens import MEMBER_AUDIENCE, STAFF_AUDIENCE
from tests.conftest import TEST_SECRET, make_member

ME = "{ me { id } }"
STAFF_ONLY = "{ auditLog(first: 1) { totalCount } }"
REFRESH = """mutation($t: String!) { tokenRefresh(refreshToken: $t) {
  session { accessToken refreshToken } errors { code } } }"""


def claims(**overrides) -> dict:
    now = datetime.now(UTC)
    values = {
        "iss": "koc",
        "aud": MEMBER_AUDIENCE,
        "sub": "1",
        "sid": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        **overrides,
    }
    return {k: v for k, v in values.items() if v is not None}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_by_hand(payload: dict, key: bytes) -> str:
    """An HS256 token with any key, even one PyJWT refuses to use as an HMAC secret."""
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(payload, default=lambda d: int(d.timestamp())).encode())
    signature = hmac.new(key, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64(signature)}"


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


async def call(http, token: str, query: str = ME):
    return await http.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )


async def assert_refused(http, token: str) -> None:
    response = await call(http, token)
    assert response.status_code == 401, response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_well_formed_member_token_is_accepted(http) -> None:
    # (the control: the refusals below differ from this token in one way each)
    member = await make_member()
    token = jwt.encode(claims(sub=str(member.id)), TEST_SECRET, algorithm="HS256")
    response = await call(http, token)
    assert response.status_code == 200
    assert response.json()["data"]["me"] is not None


async def test_alg_none_is_refused(http) -> None:
    token = jwt.encode(claims(), None, algorithm="none")
    await assert_refused(http, token)
    # and so is the same with the alg spelled differently
    header = b64(json.dumps({"alg": "None", "typ": "JWT"}).encode())
    body = token.split(".")[1]
    await assert_refused(http, f"{header}.{body}.")


async def test_an_rs256_token_is_refused(http, rsa_keys) -> None:
    private, _ = rsa_keys
    await assert_refused(http, jwt.encode(claims(), private, algorithm="RS256"))


async def test_an_hs256_token_keyed_with_a_public_key_is_refused(http, rsa_keys) -> None:
    # the classic confusion: sign HS256 with a published RSA public key as the HMAC secret
    _, public = rsa_keys
    await assert_refused(http, hs256_by_hand(claims(), public))


async def test_the_right_secret_in_a_hand_made_token_is_accepted(http) -> None:
    # (shows hs256_by_hand makes real tokens, so the refusal above is about the key)
    member = await make_member()
    token = hs256_by_hand(claims(sub=str(member.id)), TEST_SECRET.encode())
    assert (await call(http, token)).status_code == 200


async def test_wrong_audience_or_issuer_is_refused(http) -> None:
    for overrides in ({"aud": "koc:partner"}, {"aud": "someone-else"}, {"iss": "evil"}):
        await assert_refused(http, jwt.encode(claims(**overrides), TEST_SECRET, algorithm="HS256"))


async def test_expiry_is_enforced_past_the_leeway_only(http, settings) -> None:
    member = await make_member()
    leeway = settings.jwt_leeway_seconds
    now = datetime.now(UTC)
    within = claims(sub=str(member.id), exp=now - timedelta(seconds=leeway - 5))
    past = claims(sub=str(member.id), exp=now - timedelta(seconds=leeway + 5))
    assert (await call(http, jwt.encode(within, TEST_SECRET, algorithm="HS256"))).status_code == 200
    await assert_refused(http, jwt.encode(past, TEST_SECRET, algorithm="HS256"))


async def test_missing_claims_and_future_tokens_are_refused(http) -> None:
    future = datetime.now(UTC) + timedelta(hours=1)
    for overrides in ({"exp": None}, {"iat": None}, {"sub": None}, {"nbf": future}):
        await assert_refused(http, jwt.encode(claims(**overrides), TEST_SECRET, algorithm="HS256"))


async def test_tampered_tokens_are_refused(http, staff_client) -> None:
    staff = await staff_client(StaffRole.ANALYST)
    header, body, signature = staff.token.split(".")
    # a flipped signature
    await assert_refused(http, f"{header}.{body}.{signature[::-1]}")
    # a payload promoted to ADMIN, keeping the original signature
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["role"] = "ADMIN"
    await assert_refused(http, f"{header}.{b64(json.dumps(payload).encode())}.{signature}")


async def test_a_member_token_is_forbidden_on_staff_operations(member_client) -> None:
    member = await member_client()
    errors = await member.errors(STAFF_ONLY)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    # and a member-audience token naming a staff role is still a member
    forged = jwt.encode(
        claims(sub=str(member.member_id), role="ADMIN", username="root"),
        TEST_SECRET,
        algorithm="HS256",
    )
    response = await call(member.http, forged, STAFF_ONLY)
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_staff_audience_token_for_an_unknown_account_is_refused(http) -> None:
    token = jwt.encode(
        claims(aud=STAFF_AUDIENCE, sub="999999", role="ADMIN", username="ghost"),
        TEST_SECRET,
        algorithm="HS256",
    )
    await assert_refused(http, token)


async def test_a_revoked_refresh_token_is_refused(anon_client, settings) -> None:
    member = await make_member()
    pair = await issue_member_tokens(settings, member.id)
    await RefreshToken.all().update(revoked_at=datetime.now(UTC))
    data = (await anon_client.execute(REFRESH, {"t": pair.refresh_token}))["tokenRefresh"]
    assert data == {"session": None, "errors": [{"code": "INVALID_REFRESH_TOKEN"}]}


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(
    anon_client, settings
) -> None:
    # given a session rotated once: first -> second
    member = await make_member()
    first = (await issue_member_tokens(settings, member.id)).refresh_token
    rotated = (await anon_client.execute(REFRESH, {"t": first}))["tokenRefresh"]
    second = rotated["session"]["refreshToken"]

    # when the first token is presented again (it was copied)
    reused = (await anon_client.execute(REFRESH, {"t": first}))["tokenRefresh"]

    # then it is refused as reused, and the legitimate newer token no longer works either
    assert reused == {"session": None, "errors": [{"code": "REFRESH_TOKEN_REUSED"}]}
    after = (await anon_client.execute(REFRESH, {"t": second}))["tokenRefresh"]
    assert after == {"session": None, "errors": [{"code": "INVALID_REFRESH_TOKEN"}]}
    assert await RefreshToken.filter(revoked_at=None).count() == 0


async def test_revoked_and_expired_partner_tokens_are_refused(http, partner_client) -> None:
    revoked = await partner_client([PartnerScope.MEMBERS_READ])
    expired = await partner_client([PartnerScope.MEMBERS_READ])
    assert (await call(http, revoked.token)).status_code == 200
    await PartnerToken.filter(id=revoked.partner_id).update(revoked_at=datetime.now(UTC))
    await PartnerToken.filter(id=expired.partner_id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    await assert_refused(http, revoked.token)
    await assert_refused(http, expired.token)


async def test_a_partner_token_without_the_scope_is_forbidden(partner_client) -> None:
    partner = await partner_client([PartnerScope.ORDERS_WRITE])
    errors = await partner.errors("{ members(first: 1) { totalCount } }")
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_partner_token_of_the_right_shape_but_unknown_is_refused(
    http, partner_client
) -> None:
    known = await partner_client([PartnerScope.MEMBERS_READ])
    # same prefix and length as a real one, one character changed
    forged = known.token[:-1] + ("A" if known.token[-1] != "A" else "B")
    await assert_refused(http, forged)
