"""Trusted documents: with KOC_TRUSTED_DOCUMENTS=required, members and partners may only run the
documents the brand registered, sent by their SHA-256 as Apollo's persisted queries are."""

import hashlib
import json
import uuid

from koc.auth.models import PartnerScope, StaffRole
from koc.security.models import TrustedDocument

ME = "query Me { me { id nickname } }"
MEMBERS = "query Members { members(first: 5) { totalCount } }"
ADD = """mutation($i: TrustedDocumentsAddInput!) { trustedDocumentsAdd(input: $i) {
  addedCount knownCount errors { field code message } } }"""


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def persisted(document: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(document)}}


async def register(admin, *documents: str) -> dict:
    payload = {"documents": [{"sha256": sha(d), "document": d} for d in documents]}
    return (await admin.execute(ADD, {"i": payload}))["trustedDocumentsAdd"]


async def send(client, document: str | None, *, hash_of: str | None = None) -> dict:
    body: dict = {"extensions": persisted(hash_of)} if hash_of else {}
    if document is not None:
        body["query"] = document
    headers = {"Authorization": f"Bearer {client.token}"} if client.token else {}
    return (await client.http.post("/graphql", json=body, headers=headers)).json()


async def test_admin_registers_documents_once(staff_client) -> None:
    admin = await staff_client(StaffRole.ADMIN)
    assert await register(admin, ME, MEMBERS) == {"addedCount": 2, "knownCount": 0, "errors": []}
    assert await register(admin, ME) == {"addedCount": 0, "knownCount": 1, "errors": []}
    stored = await TrustedDocument.get(sha256=sha(ME))
    assert stored.document == ME and stored.created_by_id == admin.staff_id


async def test_only_admin_registers_documents(staff_client, member_client) -> None:
    for client in (await staff_client(StaffRole.OPERATOR), await member_client()):
        payload = {"documents": [{"sha256": sha(ME), "document": ME}]}
        errors = await client.errors(ADD, {"i": payload})
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert not await TrustedDocument.exists()


async def test_bad_documents_are_refused_and_nothing_is_registered(staff_client) -> None:
    admin = await staff_client(StaffRole.ADMIN)
    payload = {
        "documents": [
            {"sha256": sha(ME), "document": ME},
            {"sha256": sha(ME), "document": ME + " "},
            {"sha256": "ABC", "document": MEMBERS},
            {"sha256": sha("{ nope }"), "document": "{ nope }"},
        ]
    }
    result = (await admin.execute(ADD, {"i": payload}))["trustedDocumentsAdd"]
    assert result["addedCount"] == 0
    # (the first is fine, and is not registered either)
    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        ("documents.1.sha256", "HASH_MISMATCH"),
        ("documents.2.sha256", "INVALID"),
        ("documents.3.document", "INVALID_DOCUMENT"),
    ]
    assert "Cannot query field 'nope'" in result["errors"][2]["message"]
    assert not await TrustedDocument.exists()


async def test_when_required_members_and_partners_run_only_registered_documents(
    endpoint,
) -> None:
    # given trusted documents required and ME registered
    api = endpoint(trusted_documents="required")
    await register(await api.staff(), ME)
    member = await api.member()
    partner = await api.partner([PartnerScope.MEMBERS_READ])

    # when a member sends ME by hash, then it runs
    assert (await send(member, None, hash_of=ME))["data"]["me"]["id"] == member.member_gid
    # and so it does with the same document alongside its hash
    assert (await send(member, ME, hash_of=ME))["data"]["me"]["id"] == member.member_gid

    # when a member or a partner sends a free-form document, then it is refused
    for client in (member, partner):
        body = await send(client, ME)
        assert body["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
        assert "data" not in body or body["data"] is None

    # when a document comes with a hash that is not registered, then it is refused too
    body = await send(member, MEMBERS, hash_of=MEMBERS)
    assert body["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"


async def test_when_required_staff_and_anonymous_callers_may_send_free_form(endpoint) -> None:
    api = endpoint(trusted_documents="required")
    staff = await api.staff(StaffRole.ANALYST)
    assert (await send(staff, MEMBERS))["data"]["members"]["totalCount"] >= 0
    # anonymous callers reach only the sign-in mutations, which staff need before a token
    body = await send(api.anonymous(), "{ me { id } }")
    assert body == {"data": {"me": None}}


async def test_unknown_and_mismatched_hashes(endpoint) -> None:
    api = endpoint(trusted_documents="allowed")
    member = await api.member()

    # (a document never registered: registered ones stay known to the process for good)
    never = f"# {uuid.uuid4()}\n{ME}"
    unknown = await send(member, None, hash_of=never)
    assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    mismatch = await send(member, MEMBERS, hash_of=ME)
    assert mismatch["errors"][0]["extensions"]["code"] == "BAD_REQUEST"

    malformed = (
        await member.http.post(
            "/graphql",
            json={"extensions": {"persistedQuery": {"sha256Hash": "xyz"}}},
            headers={"Authorization": f"Bearer {member.token}"},
        )
    ).json()
    assert malformed["errors"][0]["extensions"]["code"] == "BAD_REQUEST"

    # while allowed, free-form documents run, with or without a (matching) unregistered hash
    assert (await send(member, ME))["data"]["me"]["id"] == member.member_gid
    assert (await send(member, ME, hash_of=ME))["data"]["me"]["id"] == member.member_gid


async def test_when_off_hashes_are_not_looked_up(endpoint) -> None:
    api = endpoint(trusted_documents="off")
    await register(await api.staff(), ME)
    body = await send(await api.member(), None, hash_of=ME)
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"


async def test_registered_queries_run_over_get(endpoint) -> None:
    api = endpoint(trusted_documents="required")
    await register(await api.staff(), ME)
    member = await api.member()
    response = await api.http.get(
        "/graphql",
        params={"extensions": json.dumps(persisted(ME))},
        headers={"Authorization": f"Bearer {member.token}", "Accept": "application/json"},
    )
    assert response.json()["data"]["me"]["id"] == member.member_gid


async def test_refusal_is_400_for_graphql_response_json(endpoint) -> None:
    api = endpoint(trusted_documents="required")
    member = await api.member()
    response = await api.http.post(
        "/graphql",
        json={"query": ME},
        headers={
            "Authorization": f"Bearer {member.token}",
            "Accept": "application/graphql-response+json",
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "TRUSTED_DOCUMENT_REQUIRED"
