"""Request bodies a careless client or an attacker sends get a 4xx GraphQL-over-HTTP error with a
code, never a plain-text 500 or a Python message: bodies that are not a JSON object or not UTF-8,
JSON nested deeper than MAX_JSON_DEPTH (in the body, or in a JSON argument), bodies larger than
KOC_MAX_BODY_BYTES (announced or streamed)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from koc.auth.models import PartnerScope
from koc.security.limits import MAX_JSON_DEPTH

GRAPHQL_RESPONSE = "application/graphql-response+json"
EVENT = """mutation($p: JSON) { memberEventRecord(input: {externalId: "e-1",
  member: {phone: "13800138000"}, kind: TEST_DRIVE, occurredAt: "2026-05-01T10:00:00Z",
  payload: $p}) { errors { field code } } }"""


def nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def literal(levels: int) -> str:
    return "{a: " * levels + "1" + "}" * levels


async def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(("application/json", GRAPHQL_RESPONSE))
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize(
    "body",
    [b'"query"', b"12", b"null", b"true", b"[]", b'{"query": "{ __typename }"', b"\xff\xfe"],
)
@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
async def test_a_body_that_is_not_a_json_object_is_400(http, body: bytes, accept: str) -> None:
    response = await http.post(
        "/graphql", content=body, headers={"content-type": "application/json", "accept": accept}
    )
    await refused(response, 400, "BAD_REQUEST")


async def test_a_body_that_is_not_utf8_is_400(http) -> None:
    response = await http.post(
        "/graphql",
        content=b'{"query": "{ __typename }", "operationName": "\xff"}',
        headers={"content-type": "application/json"},
    )
    await refused(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH, 5_000])
async def test_variables_nested_too_deep_are_400(http, levels: int) -> None:
    # written out: Python's own encoder gives up long before 5,000 levels
    value = '{"a": ' * levels + "1" + "}" * levels
    body = '{"query": "{ __typename }", "variables": {"v": ' + value + "}}"
    response = await http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    await refused(response, 400, "JSON_TOO_DEEP")


async def test_a_body_within_the_nesting_limit_runs(http) -> None:
    # (the control: the body object, variables and v are three levels of the limit)
    body = {"query": "{ __typename }", "variables": {"v": nested(MAX_JSON_DEPTH - 3)}}
    response = await http.post("/graphql", json=body)
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_json_argument_nested_too_deep_is_refused(partner_client) -> None:
    partner = await partner_client([PartnerScope.EVENTS_WRITE])
    # as a literal just over the limit: a payload error naming the field
    document = EVENT.replace("mutation($p: JSON) ", "mutation ").replace(
        "payload: $p", f"payload: {literal(MAX_JSON_DEPTH + 1)}"
    )
    data = await partner.execute(document)
    assert data["memberEventRecord"]["errors"] == [{"field": "payload", "code": "INVALID"}]
    # hundreds of levels deep, as a literal: the document is refused while parsing
    document = EVENT.replace("mutation($p: JSON) ", "mutation ").replace(
        "payload: $p", f"payload: {literal(300)}"
    )
    errors = await partner.errors(document)
    assert errors[0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    # and as a variable: the body is refused
    response = await partner.post(EVENT, {"p": nested(300)})
    await refused(response, 400, "JSON_TOO_DEEP")


async def test_a_body_over_the_size_limit_is_413(endpoint) -> None:
    api = endpoint(max_body_bytes=4096)
    big = {"query": "{ __typename }", "variables": {"v": "x" * 5000}}

    # announced by Content-Length
    response = await api.http.post("/graphql", json=big)
    await refused(response, 413, "PAYLOAD_TOO_LARGE")

    # or streamed without one
    async def chunks() -> AsyncIterator[bytes]:
        data = json.dumps(big).encode()
        for start in range(0, len(data), 1000):
            yield data[start : start + 1000]

    response = await api.http.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    await refused(response, 413, "PAYLOAD_TOO_LARGE")

    # (the control: a body under the limit runs)
    response = await api.http.post("/graphql", json={"query": "{ __typename }"})
    assert response.json() == {"data": {"__typename": "Query"}}
