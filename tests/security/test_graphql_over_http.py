"""GraphQL over HTTP as the spec says: media types, GET for queries only, 4xx for requests
that cannot run."""

import json

from tests.conftest import gid, make_member

GRAPHQL_RESPONSE = "application/graphql-response+json"
BOTH = f"{GRAPHQL_RESPONSE}, application/json;q=0.9"


async def test_clients_accepting_graphql_response_json_get_it(http) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Accept": BOTH}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_legacy_clients_get_application_json(http) -> None:
    for accept in (None, "application/json", "*/*", f"application/json, {GRAPHQL_RESPONSE};q=0.5"):
        headers = {"Accept": accept} if accept else {}
        response = await http.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
        assert response.headers["content-type"].startswith("application/json"), accept


async def test_unparsable_and_invalid_documents_are_400_with_graphql_response_json(http) -> None:
    for query, code in [
        ("{ me { ", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
    ]:
        response = await http.post("/graphql", json={"query": query}, headers={"Accept": BOTH})
        body = response.json()
        assert response.status_code == 400, query
        assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        # a request error: nothing was executed, so there is no data entry at all
        assert "data" not in body
        assert body["errors"][0]["extensions"]["code"] == code


async def test_the_same_errors_are_200_with_application_json(http) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ nope }"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_field_errors_keep_200_and_data(http, member_client) -> None:
    # given a member asking for another member next to their own profile
    member = await member_client()
    other = await make_member()
    response = await http.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { me { id } member(id: $id) { id } }",
            "variables": {"id": gid("Member", other.id)},
        },
        headers={"Accept": BOTH, "Authorization": f"Bearer {member.token}"},
    )
    body = response.json()
    # then the request executed: 200, partial data and a located FORBIDDEN error
    assert response.status_code == 200
    assert body["data"] == {"me": {"id": member.member_gid}, "member": None}
    assert body["errors"][0]["path"] == ["member"]
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_queries_run_over_get(http) -> None:
    response = await http.get(
        "/graphql",
        params={
            "query": "query Q($x: Boolean!) { __typename @include(if: $x) }",
            "variables": json.dumps({"x": True}),
        },
        headers={"Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_mutations_over_get_are_405(http) -> None:
    response = await http.get(
        "/graphql",
        params={"query": 'mutation { tokenRefresh(refreshToken: "x") { errors { code } } }'},
        headers={"Accept": BOTH},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_bodies_that_are_not_json_are_refused(http) -> None:
    not_json = await http.post(
        "/graphql", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    assert not_json.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"

    wrong_type = await http.post(
        "/graphql", content=b"{ __typename }", headers={"Content-Type": "application/graphql"}
    )
    assert wrong_type.status_code == 415
    assert wrong_type.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"

    no_query = await http.post("/graphql", json={"variables": {}})
    assert no_query.status_code == 400
    assert no_query.json()["errors"][0]["message"] == "No GraphQL query found in the request"


async def test_unauthenticated_is_401_in_the_negotiated_media_type(http) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={"Accept": GRAPHQL_RESPONSE, "Authorization": "Bearer not-a-token"},
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
