"""A person scans a GROUP live code with a phone: the page koc serves shows the current group's
QR image (uploaded to koc) with the long-press hint, in a real browser without internet access.

Runs koc as operators do and drives Debian's Chromium through Playwright, like the GraphiQL
browser test; without them the test is skipped.
"""

from __future__ import annotations

import base64
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from koc.livecodes.qr import qr_png
from tests.browser.test_graphiql_browser import CHROMIUM, CHROMIUM_ARGS
from tests.live import koc, serving

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: run .ci/browser-setup.sh", allow_module_level=True)
async_api = pytest.importorskip(
    "playwright.async_api", reason="playwright is missing: run .ci/browser-setup.sh"
)
SCREENSHOT = Path(__file__).resolve().parents[2] / "test-artifacts" / "live-code.png"
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.50"


def _graphql(url: str, token: str | None, query: str, variables: dict) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = httpx.post(
        url, json={"query": query, "variables": variables}, headers=headers, timeout=10
    )
    data = body.json()
    assert not data.get("errors"), data
    (payload,) = data["data"].values()
    assert not payload.get("errors"), payload
    return payload


async def test_a_phone_sees_the_current_group_qr(tmp_path: Path) -> None:
    # given koc serving a GROUP code whose group QR image was uploaded to koc
    env = {
        **os.environ,
        "KOC_ENV": "production",
        "KOC_JWT_SECRET": secrets.token_urlsafe(48),
        "KOC_DATABASE_URL": f"sqlite://{tmp_path / 'koc.sqlite3'}",
    }
    koc(env, "migrate")
    koc(env, "create-staff", "poster-admin", "--role", "ADMIN", "--password", "poster-admin-pw")
    with serving(env, tmp_path / "serve.log") as base:
        url = f"{base}/graphql"
        login = _graphql(
            url,
            None,
            'mutation { staffLogin(username: "poster-admin", password: "poster-admin-pw") '
            "{ session { accessToken } errors { message } } }",
            {},
        )
        token = login["session"]["accessToken"]
        code = _graphql(
            url,
            token,
            'mutation { liveCodeCreate(input: {slug: "spring-poster", name: "春季车主群", '
            'kind: GROUP, channel: "poster"}) { liveCode { id url } errors { message } } }',
            {},
        )["liveCode"]
        group_qr = base64.b64encode(qr_png("https://weixin.qq.com/g/example-group")).decode()
        _graphql(
            url,
            token,
            "mutation($i: LiveCodeTargetAddInput!) { liveCodeTargetAdd(input: $i) "
            "{ target { id } errors { message } } }",
            {
                "i": {
                    "liveCodeId": code["id"],
                    "expiresAt": (datetime.now(UTC) + timedelta(days=7)).isoformat(),
                    "imageBase64": group_qr,
                }
            },
        )
        requested_hosts: list[str | None] = []
        async with async_api.async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            context = await browser.new_context(
                viewport={"width": 390, "height": 844}, user_agent=PHONE_UA, is_mobile=True
            )
            page = await context.new_page()
            try:
                page.on("request", lambda r: requested_hosts.append(urlsplit(r.url).hostname))
                # when a phone opens the code's permanent URL
                response = await page.goto(code["url"])
                image = page.locator("img.qr")
                await image.wait_for()
                loaded = await image.evaluate("img => img.complete && img.naturalWidth > 0")
                width = await image.evaluate("img => img.getBoundingClientRect().width")
                text = await page.locator("main").inner_text()
            finally:
                SCREENSHOT.parent.mkdir(exist_ok=True)
                await page.screenshot(path=str(SCREENSHOT))
                await browser.close()
        scans = _graphql(
            url,
            token,
            "query { liveCodes { edges { node { targets { served } } } } }",
            {},
        )
    # then it shows the group's QR image, fitting the phone's screen, with the hint
    assert response is not None and response.status == 200
    assert loaded and 100 < width <= 390
    assert "春季车主群" in text and "Long-press to join" in text
    # and the scan was counted for that group
    assert scans["edges"][0]["node"]["targets"] == [{"served": 1}]
    # and everything came from koc itself
    assert set(requested_hosts) == {"127.0.0.1"}
