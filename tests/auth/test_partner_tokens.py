"""Admins issue partner tokens: shown once, stored hashed, scoped, revocable."""

from datetime import UTC, datetime, timedelta

from koc.audit.models import AuditEntry
from koc.auth.models import PartnerToken, StaffRole
from koc.auth.tokens import hash_opaque_token

CREATE = """mutation($i: PartnerTokenCreateInput!) { partnerTokenCreate(input: $i) {
  token partnerToken { id name scopes prefix revokedAt } errors { field code message } } }"""
REVOKE = """mutation($id: ID!) { partnerTokenRevoke(id: $id) { partnerToken { revokedAt } errors { code } } }"""
ORDER = """mutation { orderRecord(input: {externalId: "o-1", member: {unionid: "u-1"}, amountCents: 100,
  category: "charger", occurredAt: "2026-01-01T00:00:00Z"}) { order { id } errors { code } } }"""


async def test_admin_creates_a_token_that_works_once_shown(staff_client, http):
    admin = await staff_client(StaffRole.ADMIN)
    data = (await admin.execute(CREATE, {"i": {"name": "Dealer DMS", "scopes": ["ORDERS_WRITE"]}}))[
        "partnerTokenCreate"
    ]
    secret = data["token"]
    assert data["errors"] == [] and secret.startswith("koc_pt_")
    assert data["partnerToken"]["scopes"] == ["ORDERS_WRITE"]
    stored = await PartnerToken.get(name="Dealer DMS")
    assert stored.token_hash == hash_opaque_token(secret) and secret not in str(stored.__dict__)
    # the secret is not readable afterwards
    listed = await admin.execute("{ partnerTokens { name prefix } }")
    assert secret not in str(listed) and listed["partnerTokens"][0]["prefix"] == secret[:13]
    # and it works
    response = await http.post(
        "/graphql", json={"query": ORDER}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.json()["data"]["orderRecord"]["errors"] == []
    assert (await PartnerToken.get(id=stored.id)).last_used_at is not None
    assert await AuditEntry.filter(action="partner_token.create").count() == 1


async def test_revoked_token_stops_working(staff_client, partner_client):
    admin = await staff_client(StaffRole.ADMIN)
    dealer = await partner_client(["orders:write"])
    assert (await dealer.post(ORDER)).status_code == 200
    from tests.conftest import gid

    data = (await admin.execute(REVOKE, {"id": gid("PartnerToken", dealer.partner_id)}))[
        "partnerTokenRevoke"
    ]
    assert data["partnerToken"]["revokedAt"] is not None
    response = await dealer.post(ORDER)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_expired_token_stops_working(partner_client):
    dealer = await partner_client(["orders:write"])
    await PartnerToken.filter(id=dealer.partner_id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert (await dealer.post(ORDER)).status_code == 401


async def test_missing_scope_is_forbidden(partner_client):
    events_only = await partner_client(["events:write"])
    errors = await events_only.errors(ORDER)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_only_admins_manage_tokens(staff_client, member_client):
    for client in [
        await staff_client(StaffRole.OPERATOR),
        await staff_client(StaffRole.ANALYST),
        await member_client(),
    ]:
        errors = await client.errors(CREATE, {"i": {"name": "x", "scopes": ["ORDERS_WRITE"]}})
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
        errors = await client.errors("{ partnerTokens { name } }")
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert await PartnerToken.all().count() == 0


async def test_create_validates_input(staff_client):
    admin = await staff_client(StaffRole.ADMIN)
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    cases = [
        ({"name": " ", "scopes": ["ORDERS_WRITE"]}, "name"),
        ({"name": "x" * 101, "scopes": ["ORDERS_WRITE"]}, "name"),
        ({"name": "ok", "scopes": []}, "scopes"),
        ({"name": "ok", "scopes": ["ORDERS_WRITE"], "expiresAt": past}, "expiresAt"),
    ]
    for payload, field in cases:
        data = (await admin.execute(CREATE, {"i": payload}))["partnerTokenCreate"]
        assert data["token"] is None
        assert [(e["field"], e["code"]) for e in data["errors"]] == [(field, "INVALID")]
    assert await PartnerToken.all().count() == 0
