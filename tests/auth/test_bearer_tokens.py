"""Access tokens: forged, expired or meant for another audience are refused with 401."""

import uuid
from datetime import UTC, datetime, timedelta

import jwt

from koc.auth.models import StaffRole
from koc.auth.tokens import MEMBER_AUDIENCE, STAFF_AUDIENCE
from tests.conftest import TEST_SECRET

QUERY = "{ me { id } staffMe { username } }"


def _token(secret: str = TEST_SECRET, **overrides) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": "koc",
        "aud": MEMBER_AUDIENCE,
        "sub": "1",
        "sid": str(uuid.uuid4()),
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, secret, algorithm="HS256")


async def _status(http, token: str) -> int:
    response = await http.post(
        "/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"}
    )
    if response.status_code == 401:
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    return response.status_code


async def test_valid_member_token_is_accepted(http):
    from koc.members.models import Member

    member = await Member.create()
    assert await _status(http, _token(sub=str(member.id))) == 200


async def test_refusals(http):
    expired = datetime.now(UTC) - timedelta(minutes=1)
    assert await _status(http, _token(secret="another-secret-" + "y" * 30)) == 401  # forged
    assert await _status(http, _token(exp=expired)) == 401  # expired past the leeway
    assert await _status(http, _token(aud="someone-else")) == 401  # wrong audience
    assert await _status(http, _token(iss="evil")) == 401  # wrong issuer
    assert await _status(http, _token(exp=None)) == 401  # no exp
    assert await _status(http, _token(sub=None)) == 401  # no subject
    assert await _status(http, _token()[:-2] + "xx") == 401  # tampered signature
    none_token = jwt.encode(
        {"iss": "koc", "aud": MEMBER_AUDIENCE, "sub": "1"}, None, algorithm="none"
    )
    assert await _status(http, none_token) == 401
    assert await _status(http, "koc_pt_" + "a" * 43) == 401  # partner-shaped but unknown


async def test_malformed_header_is_refused(http):
    for header in ["Basic abc", "Bearer", "Bearer    "]:
        response = await http.post(
            "/graphql", json={"query": QUERY}, headers={"Authorization": header}
        )
        assert response.status_code == 401


async def test_member_token_cannot_act_as_staff(member_client):
    member = await member_client()
    errors = await member.errors("{ auditLog { totalCount } }")
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_staff_claims_cannot_be_forged_into_a_member_token(http, staff_client):
    from koc.members.models import Member

    staff = await staff_client(StaffRole.ANALYST)
    member = await Member.create()
    # a member-audience token cannot carry a staff role to gain staff rights
    token = _token(sub=str(member.id), role="ADMIN", username="x")
    response = await http.post(
        "/graphql",
        json={"query": "{ auditLog { totalCount } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # and a staff token's role is read from the database, not trusted from the claim
    forged = _token(aud=STAFF_AUDIENCE, sub=str(staff.staff_id), role="ADMIN", username="x")
    response = await http.post(
        "/graphql",
        json={"query": "{ auditLog { totalCount } }"},
        headers={"Authorization": f"Bearer {forged}"},
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
