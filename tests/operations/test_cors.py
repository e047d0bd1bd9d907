"""CORS: a browser page on an allowed origin may call koc; others may not; off by default."""

from __future__ import annotations

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}
ADMIN_PAGE = "https://admin.brand.example"


async def test_a_preflight_from_an_allowed_origin_is_answered(endpoint):
    # given koc configured for the brand's admin page
    koc = endpoint(cors_allow_origins=[ADMIN_PAGE])
    # when the browser asks before POSTing GraphQL with a bearer token
    response = await koc.http.options("/graphql", headers={**PREFLIGHT, "Origin": ADMIN_PAGE})
    # then it may
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ADMIN_PAGE
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    assert response.headers["access-control-max-age"] == "600"


async def test_a_preflight_from_another_origin_is_refused(endpoint):
    # given koc configured for the admin page only
    koc = endpoint(cors_allow_origins=[ADMIN_PAGE])
    # when a page elsewhere asks
    response = await koc.http.options(
        "/graphql", headers={**PREFLIGHT, "Origin": "https://evil.example"}
    )
    # then the browser gets no permission
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_an_allowed_page_reads_the_answer_and_its_request_id(endpoint):
    koc = endpoint(cors_allow_origins=[ADMIN_PAGE])
    response = await koc.http.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Origin": ADMIN_PAGE}
    )
    assert response.json() == {"data": {"__typename": "Query"}}
    assert response.headers["access-control-allow-origin"] == ADMIN_PAGE
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "x-request-id" in exposed and "retry-after" in exposed


async def test_cors_is_off_unless_configured(endpoint):
    # given the default settings / when a browser sends a preflight
    koc = endpoint()
    response = await koc.http.options("/graphql", headers={**PREFLIGHT, "Origin": ADMIN_PAGE})
    # then koc does not answer it (so browsers keep other origins out)
    assert response.status_code == 405
    assert "access-control-allow-origin" not in response.headers


def test_origins_are_written_comma_separated(monkeypatch):
    from koc.settings import Settings

    monkeypatch.setenv("KOC_CORS_ALLOW_ORIGINS", "https://a.example, https://b.example")
    assert Settings().cors_allow_origins == ["https://a.example", "https://b.example"]
