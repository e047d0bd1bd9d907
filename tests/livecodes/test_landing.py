"""The public page of a live code: rotation by capacity and expiry, counting, warnings, the
uploaded image, the QR images of the permanent URL, flood and bot handling."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from koc.auth.models import StaffRole
from koc.events.models import OutboxEvent
from koc.livecodes.models import LiveCodeScanCount, LiveCodeTarget
from koc.livecodes.qr import qr_png
from koc.livecodes.scans import sweep
from tests.livecodes.helpers import UPDATE_TARGET, add_target, create_code, in_days

PHONE = {"User-Agent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32


async def scan(
    http: httpx.AsyncClient, slug: str = "spring-poster", **headers: str
) -> httpx.Response:
    return await http.get(f"/c/{slug}", headers={**PHONE, **headers})


async def test_scans_rotate_through_targets_as_they_fill(http, staff_client):
    # given a GROUP code with two groups of capacity 2 and 1
    staff = await staff_client(StaffRole.OPERATOR)
    code = await create_code(staff)
    await add_target(staff, code["id"], imageUrl="https://img.example/one.png", capacity=2)
    await add_target(staff, code["id"], imageUrl="https://img.example/two.png", capacity=1)
    # when four people scan
    pages = [await scan(http) for _ in range(4)]
    # then the first two see group one, the third group two, the fourth the "none open" page
    assert all(p.status_code == 200 for p in pages)
    assert "one.png" in pages[0].text and "one.png" in pages[1].text
    assert "two.png" in pages[2].text and "Long-press to join" in pages[2].text
    assert "No group is open" in pages[3].text
    assert pages[0].headers["cache-control"] == "no-store"
    # and arrivals are counted per target, scans per hour
    served = sorted(await LiveCodeTarget.all().values_list("served", flat=True))
    assert served == [1, 2]
    counts = await LiveCodeScanCount.all().order_by("target_id").values_list("target_id", "scans")
    assert sum(n for _, n in counts) == 4
    assert counts[0] == (0, 1)  # the scan nothing was open for


async def test_an_expired_target_is_skipped(http, staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    code = await create_code(staff)
    first = await add_target(staff, code["id"], imageUrl="https://img.example/one.png")
    await add_target(staff, code["id"], imageUrl="https://img.example/two.png")
    await LiveCodeTarget.filter(position=1).update(
        expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    assert "two.png" in (await scan(http)).text
    # renewing the first group's QR puts it back in front
    await staff.execute(UPDATE_TARGET, {"input": {"id": first["id"], "expiresAt": in_days(7)}})
    assert "one.png" in (await scan(http)).text


async def test_events_when_targets_run_low_or_expire(http, staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    code = await create_code(staff, lowTargets=2)
    first = await add_target(staff, code["id"], capacity=5, expiresAt=in_days(0.5))
    await add_target(staff, code["id"], capacity=1)
    await add_target(staff, code["id"], capacity=1)
    await LiveCodeTarget.filter(position=2).update(served=1)  # full: two usable targets left
    await scan(http)
    await scan(http)
    await LiveCodeTarget.filter(position=3).update(served=1)  # one left: fewer than 2
    await scan(http)
    await scan(http)
    # then the expiring target and the low state were each published once, not on every scan
    events = await OutboxEvent.all().order_by("id").values_list("type", "data")
    assert [t for t, _ in events] == ["live_code.target_expiring", "live_code.targets_low"]
    expiring, low = (d for _, d in events)
    assert expiring["liveCode"] == {"id": code["id"], "slug": "spring-poster"}
    assert expiring["target"] == {"id": first["id"]}
    assert low["usableTargets"] == 1 and low["lowTargets"] == 2
    listed = await staff.execute("{ liveCodes { edges { node { runningLow } } } }")
    assert listed["liveCodes"]["edges"][0]["node"]["runningLow"] is True
    # and partners read them in the events feed
    feed = await staff.execute("{ events(first: 10) { edges { node { type } } } }")
    assert [e["node"]["type"] for e in feed["events"]["edges"]] == [
        "live_code.target_expiring",
        "live_code.targets_low",
    ]


async def test_the_sweep_publishes_without_scans(staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    code = await create_code(staff)
    await add_target(staff, code["id"], expiresAt=in_days(0.2))
    assert await sweep() == 1
    await sweep()
    types = await OutboxEvent.all().values_list("type", flat=True)
    assert types == ["live_code.target_expiring"]


async def test_an_uploaded_image_is_served_by_koc(http, staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    code = await create_code(staff)
    target = await add_target(
        staff, code["id"], imageUrl="", imageBase64=base64.b64encode(PNG).decode()
    )
    page = await scan(http)
    path = target["imageUrl"].removeprefix("http://koc.test")
    assert f'src="{path}"' in page.text
    image = await http.get(path)
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/png"
    assert (await http.get("/c/spring-poster/t/999999")).status_code == 404


async def test_unknown_and_retired_codes_answer_404(http, staff_client):
    assert (await scan(http, "no-such-code")).status_code == 404
    assert (await scan(http, "BAD!")).status_code == 404
    staff = await staff_client(StaffRole.OPERATOR)
    code = await create_code(staff)
    await staff.execute(
        "mutation($id: ID!) { liveCodeUpdate(input: {id: $id, active: false}) { errors { code } } }",
        {"id": code["id"]},
    )
    assert (await scan(http)).status_code == 404
    assert (await http.get("/c/spring-poster/qr.png")).status_code == 404


async def test_bots_see_the_page_but_are_not_counted(http, staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    code = await create_code(staff)
    await add_target(staff, code["id"], capacity=1)
    page = await scan(http, **{"User-Agent": "Slackbot-LinkExpanding 1.0"})
    assert page.status_code == 200
    assert await LiveCodeScanCount.all().count() == 0
    assert (await LiveCodeTarget.get()).served == 0


@pytest.fixture
async def strict_app(database_url, wechat_server):
    from koc.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(database_url, wechat_server.base_url, livecode_scans_per_minute=3)
    application = create_app(settings)
    transport = httpx.ASGITransport(app=application, client=("203.0.113.9", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://koc.test") as client:
        yield client


async def test_a_flood_from_one_address_is_refused(app, strict_app, staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    code = await create_code(staff)
    await add_target(staff, code["id"])
    answers = [(await scan(strict_app)).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    refused = await scan(strict_app)
    assert int(refused.headers["retry-after"]) >= 1
    assert (await LiveCodeTarget.get()).served == 3


async def test_qr_images_encode_the_permanent_url(http, staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_code(staff)
    png = await http.get("/c/spring-poster/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert png.headers["content-type"] == "image/png"
    svg = await http.get("/c/spring-poster/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and "<image" not in svg.text


@pytest.fixture
async def branded_app(database_url, wechat_server, tmp_path):
    from koc.app import create_app
    from tests.conftest import make_settings

    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    settings = make_settings(
        database_url,
        wechat_server.base_url,
        brand_logo_path=str(logo),
        public_base_url="https://go.brand.example",
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://koc.test") as client:
        yield client


async def test_the_svg_carries_the_brand_logo_when_asked(app, branded_app, staff_client):
    staff = await staff_client(StaffRole.OPERATOR)
    await create_code(staff)
    plain = await branded_app.get("/c/spring-poster/qr.svg")
    branded = await branded_app.get("/c/spring-poster/qr.svg?logo=1")
    assert "<image" not in plain.text
    assert f'href="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in branded.text
    # a logo needs the highest error correction: the symbol is larger than the plain one
    assert len(branded.text) > len(plain.text)
    # and the QR encodes the public URL, not the address koc was reached by
    png = await branded_app.get("/c/spring-poster/qr.png")
    assert png.content == qr_png("https://go.brand.example/c/spring-poster")
    assert png.content != qr_png("http://koc.test/c/spring-poster")


async def test_concurrent_scans_never_overfill_a_group(http, staff_client):
    # given a first group with room for three and a second behind it
    staff = await staff_client(StaffRole.OPERATOR)
    code = await create_code(staff)
    await add_target(staff, code["id"], imageUrl="https://img.example/one.png", capacity=3)
    await add_target(staff, code["id"], imageUrl="https://img.example/two.png", capacity=100)
    # when ten people scan at the same moment
    pages = await asyncio.gather(*(scan(http) for _ in range(10)))
    # then exactly three were sent to the first group and the rest to the second
    assert sum("one.png" in p.text for p in pages) == 3
    assert sum("two.png" in p.text for p in pages) == 7
    served = await LiveCodeTarget.all().order_by("position").values_list("served", flat=True)
    assert served == [3, 7]
