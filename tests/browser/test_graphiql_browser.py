"""Staff open GraphiQL in a real browser, on a machine without internet access, and run a query.

Runs koc as operators do (``koc migrate``, ``koc create-staff``, ``koc serve``) and drives
Debian's Chromium through Playwright. ``.ci/browser-setup.sh`` installs both; without them the
test is skipped.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.live import koc, serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The offline network: every host name except 127.0.0.1 fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "test-artifacts" / "graphiql.png"
USERNAME = "browser-admin"
PASSWORD = "browser-admin-password"
QUERY = "{ staffMe { username role } lifecycleStages { code } }"
# The headers tab starts open (koc-graphiql.js); GraphiQL keeps the closed variables editor hidden.
HEADERS_EDITOR = 'section[aria-label="Headers"] .graphiql-editor:not(.hidden)'
QUERY_EDITOR = ".graphiql-query-editor"
RESULT = ".graphiql-response .result-window"
# GraphiQL takes an editor's new text into its state 500 ms after the last change.
EDIT_DEBOUNCE_MS = 1_000

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: run .ci/browser-setup.sh", allow_module_level=True)
async_api = pytest.importorskip(
    "playwright.async_api", reason="playwright is missing: run .ci/browser-setup.sh"
)


@dataclass
class Server:
    url: str
    token: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser")
    env = {
        **os.environ,
        "KOC_ENV": "production",
        "KOC_JWT_SECRET": secrets.token_urlsafe(48),
        "KOC_DATABASE_URL": f"sqlite://{folder / 'koc.sqlite3'}",
    }
    koc(env, "migrate")
    koc(env, "create-staff", USERNAME, "--role", "ADMIN", "--password", PASSWORD)
    with serving(env, folder / "serve.log") as base:
        url = f"{base}/graphql"
        login = httpx.post(
            url,
            json={
                "query": "mutation($u: String!, $p: String!) { staffLogin(username: $u, "
                "password: $p) { session { accessToken } errors { message } } }",
                "variables": {"u": USERNAME, "p": PASSWORD},
            },
            timeout=10,
        ).json()
        assert login["data"]["staffLogin"]["errors"] == []
        yield Server(url=url, token=login["data"]["staffLogin"]["session"]["accessToken"])


def _set_editor(selector: str) -> str:
    # GraphiQL 3 edits with CodeMirror 5, which keeps its instance on the .CodeMirror element.
    return f"text => document.querySelector('{selector} .CodeMirror').CodeMirror.setValue(text)"


async def test_staff_run_a_query_in_graphiql_served_offline_by_koc(server: Server) -> None:
    # given koc running and a staff access token, and a browser that can reach only 127.0.0.1
    requested_hosts: list[str | None] = []
    async with async_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = await browser.new_page(viewport={"width": 1600, "height": 900})
        try:
            page.on(
                "request", lambda request: requested_hosts.append(urlsplit(request.url).hostname)
            )
            result = page.locator(RESULT)

            # when staff open /graphql, whose schema introspection is refused without a token
            await page.goto(server.url)
            await result.get_by_text("INTROSPECTION_DISABLED").first.wait_for()
            # and paste the token into the headers tab and run a query
            await page.evaluate(
                _set_editor(HEADERS_EDITOR), f'{{"Authorization": "Bearer {server.token}"}}'
            )
            # (with the token the schema loads by itself, no "Re-fetch" click: the docs list
            # its types)
            await page.get_by_role("button", name="Show Documentation Explorer").click()
            await page.locator(".graphiql-doc-explorer").get_by_text("All Schema Types").wait_for()
            await page.evaluate(_set_editor(QUERY_EDITOR), QUERY)
            await page.wait_for_timeout(EDIT_DEBOUNCE_MS)
            await page.click(".graphiql-execute-button")

            # then the result pane shows the signed-in staff member and the lifecycle stages
            await async_api.expect(result).to_contain_text(f'"{USERNAME}"', timeout=15_000)
            text = await result.inner_text()
        finally:
            SCREENSHOT.parent.mkdir(exist_ok=True)
            await page.screenshot(path=str(SCREENSHOT))
            await browser.close()

    assert f'"username": "{USERNAME}"' in text
    assert '"role": "ADMIN"' in text
    assert '"lifecycleStages"' in text
    assert '"errors"' not in text
    # and the page loaded everything from koc itself
    assert requested_hosts
    assert set(requested_hosts) == {"127.0.0.1"}
