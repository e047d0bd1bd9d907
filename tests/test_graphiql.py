"""GraphiQL is served by koc itself, so staff can use it on a network without internet access."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import httpx

from koc.app import create_app
from koc.auth.models import StaffRole
from koc.settings import Settings
from tests.conftest import make_settings
from tests.security.test_trusted_documents import persisted, register

HTML = {"Accept": "text/html"}


class AssetCollector(HTMLParser):
    """Every URL the page makes the browser load, and the GraphiQL config block."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.other_urls: list[str] = []
        self.config_text = ""
        self._in_config = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.scripts.append(values["src"] or "")
        elif tag == "link" and values.get("rel") == "stylesheet":
            self.stylesheets.append(values["href"] or "")
        elif values.get("src") or values.get("href"):
            self.other_urls.append(values.get("src") or values.get("href") or "")
        self._in_config = tag == "script" and values.get("id") == "koc-graphiql-config"

    def handle_endtag(self, tag: str) -> None:
        self._in_config = False

    def handle_data(self, data: str) -> None:
        if self._in_config:
            self.config_text += data


async def _page(http: httpx.AsyncClient) -> tuple[httpx.Response, AssetCollector]:
    response = await http.get("/graphql", headers=HTML)
    collector = AssetCollector()
    collector.feed(response.text)
    return response, collector


async def test_graphql_url_opened_in_a_browser_returns_the_graphiql_page(
    http: httpx.AsyncClient,
) -> None:
    # given a browser asking for HTML / when it opens /graphql
    response, page = await _page(http)

    # then it gets koc's GraphiQL page, starting React, GraphiQL and the explorer in that order
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>koc GraphiQL</title>" in response.text
    names = [src.rsplit("/", 1)[-1] for src in page.scripts]
    assert names == [
        "react.production.min.js",
        "react-dom.production.min.js",
        "graphiql.min.js",
        "plugin-explorer.umd.js",
        "koc-graphiql.js",
    ]
    assert [href.rsplit("/", 1)[-1] for href in page.stylesheets] == [
        "graphiql.min.css",
        "plugin-explorer.css",
    ]


async def test_every_asset_of_the_page_is_served_by_koc_with_its_content_type(
    http: httpx.AsyncClient,
) -> None:
    # given the page
    _, page = await _page(http)
    assert page.scripts and page.stylesheets

    # when the browser loads each script and stylesheet from the same server
    for url, kind in [(u, "javascript") for u in page.scripts] + [
        (u, "text/css") for u in page.stylesheets
    ]:
        # then each is a local path, served with 200, the right type and real content
        assert url.startswith("/graphql/static/"), url
        response = await http.get(url)
        assert response.status_code == 200, url
        assert kind in response.headers["content-type"], (url, response.headers["content-type"])
        assert len(response.content) > 500, url
    assert page.other_urls == []


async def test_page_references_no_remote_asset(http: httpx.AsyncClient) -> None:
    # given the page / then no script, stylesheet or font comes from another host
    response, _ = await _page(http)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", response.text)
    assert "http://" not in response.text
    assert "https://" not in response.text
    assert "unpkg.com" not in response.text and "jsdelivr" not in response.text

    # and the vendored stylesheet embeds its fonts instead of fetching them
    css = (await http.get("/graphql/static/graphiql/graphiql.min.css")).text
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert "@import" not in css


async def test_page_opens_the_headers_editor_with_a_useful_example(
    http: httpx.AsyncClient,
) -> None:
    # given the page and its start-up script
    _, page = await _page(http)
    config: dict[str, Any] = json.loads(page.config_text)
    script = (await http.get("/graphql/static/koc-graphiql.js")).text

    # then queries go back to /graphql, the headers editor is on and open
    assert config["endpoint"] == "/graphql"
    assert "isHeadersEditorEnabled: true" in script
    assert 'defaultEditorToolsVisibility: "headers"' in script
    # and the example shows how to sign in, where the token goes, and a members query
    query = config["defaultQuery"]
    assert "staffLogin(" in query
    assert '{"Authorization": "Bearer' in query
    assert "members(first: 10)" in query


async def test_example_operations_in_the_page_are_valid_against_the_schema(
    http: httpx.AsyncClient,
) -> None:
    # given the example the page pre-fills
    _, page = await _page(http)
    query = json.loads(page.config_text)["defaultQuery"]

    # when staff run its login with a wrong password
    response = await http.post(
        "/graphql",
        json={
            "query": query.replace('password: ""', 'password: "wrong-password"'),
            "operationName": "StaffLogin",
        },
    )

    # then the operation validates and answers with a typed error, not a GraphQL error
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["staffLogin"]["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_the_demo_password_is_shown_in_development_only(settings: Settings) -> None:
    for env, shown in [("production", False), ("development", True)]:
        # given koc in production or development
        app = create_app(make_settings(settings.database_url, settings.wechat_api_base, env=env))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://koc.test") as http:
            # when staff open GraphiQL
            _, page = await _page(http)
        query = json.loads(page.config_text)["defaultQuery"]
        # then only a development server pre-fills the demo's password
        assert ("koc-demo-admin" in query) is shown, env
        assert 'staffLogin(username: "admin", password: "' in query


async def test_licences_of_the_vendored_builds_are_served_with_them(
    http: httpx.AsyncClient,
) -> None:
    for name in ["graphiql", "react", "react-dom", "graphiql-explorer"]:
        response = await http.get(f"/graphql/static/graphiql/licenses/{name}.LICENSE")
        assert response.status_code == 200
        assert "MIT License" in response.text


async def test_graphql_still_answers_json_clients_on_get(http: httpx.AsyncClient) -> None:
    # given a client asking for JSON / then GET /graphql?query= runs the query, no page
    response = await http.get(
        "/graphql",
        params={"query": "{ __typename }"},
        headers={"Accept": "application/json"},
    )
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_graphiql_can_be_switched_off(settings: Settings) -> None:
    # given KOC_GRAPHIQL=false
    app = create_app(make_settings(settings.database_url, settings.wechat_api_base, graphiql=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://koc.test") as http:
        # when a browser opens /graphql or asks for an asset
        page = await http.get("/graphql", headers=HTML)
        asset = await http.get("/graphql/static/graphiql/graphiql.min.js")

    # then there is no page and no asset
    assert page.status_code == 404
    assert "GraphiQL" not in page.text
    assert asset.status_code == 404


async def test_a_persisted_query_over_get_runs_for_any_client(http, staff_client) -> None:
    # given a registered document
    document = "query Hello { __typename }"
    await register(await staff_client(StaffRole.ADMIN), document)

    # when a client with curl's Accept: */* sends its hash with GET (no query)
    response = await http.get(
        "/graphql",
        params={"extensions": json.dumps(persisted(document))},
        headers={"Accept": "*/*"},
    )

    # then it runs, and no GraphiQL page is served instead
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_graphiql_is_served_only_to_clients_that_prefer_html(http) -> None:
    # given GET /graphql without a query, from clients that do not prefer HTML
    for accept in ("*/*", "application/json", "application/json, text/html;q=0.5"):
        response = await http.get("/graphql", headers={"Accept": accept})
        # then they get a GraphQL error, not the page
        assert response.status_code == 400, accept
        assert response.headers["content-type"].startswith("application/json"), accept
    # and a browser gets the page
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = await http.get("/graphql", headers={"Accept": browser})
    assert response.headers["content-type"].startswith("text/html")
