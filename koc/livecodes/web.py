"""The public side of a live code: ``/c/{slug}``, the small mobile page a scan opens, and the QR
images of that permanent URL (``/c/{slug}/qr.png``, ``/c/{slug}/qr.svg``).

The page shows a GROUP code's current group QR (or an ADVISOR code's WeCom contact QR) with a
"long-press to join" hint, or redirects to a MINI_PROGRAM code's URL Link. Scans are counted
without personal data; link-preview bots are served but not counted, and one address scanning
more than ``KOC_LIVECODE_SCANS_PER_MINUTE`` times a minute gets 429, so a flood cannot fill a
group's capacity.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from koc.errors import DomainError
from koc.livecodes.links import current_url_link
from koc.livecodes.models import LiveCode, LiveCodeKind, LiveCodeTarget
from koc.livecodes.qr import qr_png, qr_svg
from koc.livecodes.scans import Served, find_code, serve
from koc.security.ratelimit import Bucket, MemoryRateLimiter, RateLimiter, RedisRateLimiter
from koc.settings import Settings

# Link unfurlers and crawlers fetch the page without a person behind them.
BOT_RE = re.compile(r"bot|crawl|spider|slurp|preview|facebookexternalhit|curl|wget", re.I)
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
NO_STORE = {"Cache-Control": "no-store"}  # the target changes as groups fill up


def scan_limiter_for(settings: Settings) -> RateLimiter:
    """Per-address buckets of scans, in Redis when koc runs several workers."""
    per_minute = settings.livecode_scans_per_minute
    bucket = Bucket(per_minute, per_minute / 60)
    if settings.redis_url:
        return RedisRateLimiter(bucket, settings.redis_url, settings.redis_key_prefix + "scan:")
    return MemoryRateLimiter(bucket)


def public_url(request: Request, slug: str) -> str:
    base = request.app.state.settings.public_base_url or str(request.base_url)
    return f"{base.rstrip('/')}/c/{slug}"


def _page(title: str, body: str, status: int = 200, retry_after: int = 0) -> HTMLResponse:
    document = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: -apple-system, "PingFang SC", sans-serif; margin: 0; padding: 24px;
  text-align: center; background: #f6f6f6; color: #222; }}
main {{ max-width: 420px; margin: 0 auto; background: #fff; border-radius: 12px; padding: 24px; }}
img.qr {{ width: 100%; max-width: 320px; height: auto; }}
p.hint {{ color: #666; }}
</style></head>
<body><main>{body}</main></body></html>"""
    headers = {**NO_STORE, "Retry-After": str(max(retry_after, 1))} if status >= 429 else NO_STORE
    return HTMLResponse(document, status_code=status, headers=headers)


def _not_found() -> HTMLResponse:
    return _page("Not found", "<h1>This code is no longer in use.</h1>", 404)


def _image_url(code: LiveCode, target: LiveCodeTarget) -> str:
    if target.image_data is not None:
        return f"/c/{code.slug}/t/{target.id}"
    return target.image_url


def _qr_page(code: LiveCode, image: str, hint: str) -> HTMLResponse:
    name = html.escape(code.name)
    return _page(
        code.name,
        f'<h1>{name}</h1><img class="qr" alt="QR code" src="{html.escape(image)}">'
        f'<p class="hint">{html.escape(hint)}</p>',
    )


def _empty_page(code: LiveCode) -> HTMLResponse:
    return _page(
        code.name,
        f"<h1>{html.escape(code.name)}</h1>"
        '<p class="hint">No group is open right now; please try again later.</p>',
    )


async def landing(request: Request) -> Response:
    code = await find_code(request.path_params["slug"])
    if code is None:
        return _not_found()
    person = not BOT_RE.search(request.headers.get("user-agent", ""))
    if person:
        client = request.client
        decision = await request.app.state.scan_limiter.charge(
            f"ip:{client.host if client else 'unknown'}", 1
        )
        if not decision.allowed:
            return _page(
                "Too many scans",
                "<h1>Too many scans</h1><p>Please wait a moment and try again.</p>",
                429,
                decision.retry_after,
            )
    served = await serve(code, count=person)
    return await _answer(request, served)


async def _answer(request: Request, served: Served) -> Response:
    code = served.code
    if code.kind is LiveCodeKind.GROUP:
        if served.target is None:
            return _empty_page(code)
        return _qr_page(
            code, _image_url(code, served.target), "长按识别二维码加入群聊 · Long-press to join"
        )
    if code.kind is LiveCodeKind.ADVISOR:
        if not code.wecom_qr_code:
            return _empty_page(code)
        return _qr_page(
            code, code.wecom_qr_code, "长按识别二维码添加顾问 · Long-press to add your advisor"
        )
    settings: Settings = request.app.state.settings
    try:
        link = await current_url_link(
            code, request.app.state.wechat, settings.livecode_url_link_days
        )
    except DomainError:
        return _page(code.name, "<h1>Please try again in a moment.</h1>", 503, 30)
    return RedirectResponse(link, status_code=302, headers=NO_STORE)


async def target_image(request: Request) -> Response:
    """An uploaded group QR image."""
    code = await find_code(request.path_params["slug"])
    target = None
    if code is not None:
        target = await LiveCodeTarget.get_or_none(
            id=request.path_params["target_id"], live_code_id=code.id
        )
    if target is None or target.image_data is None:
        return Response(status_code=404)
    return Response(target.image_data, media_type=target.image_type, headers=NO_STORE)


@cache
def _logo(path: Path) -> tuple[str, bytes]:
    return LOGO_TYPES.get(path.suffix.lower(), "image/png"), path.read_bytes()


async def qr_png_image(request: Request) -> Response:
    """The PNG QR of the code's permanent URL."""
    code = await find_code(request.path_params["slug"])
    if code is None:
        return Response(status_code=404)
    png = qr_png(public_url(request, code.slug))
    return Response(png, media_type="image/png", headers=_file(code, "png"))


async def qr_svg_image(request: Request) -> Response:
    """The SVG QR of the code's permanent URL; ``?logo=1`` puts the brand logo at its centre."""
    code = await find_code(request.path_params["slug"])
    if code is None:
        return Response(status_code=404)
    logo_path = request.app.state.settings.brand_logo_path
    logo = _logo(logo_path) if logo_path and request.query_params.get("logo") == "1" else None
    svg = qr_svg(public_url(request, code.slug), logo)
    return Response(svg, media_type="image/svg+xml", headers=_file(code, "svg"))


def _file(code: LiveCode, ext: str) -> dict[str, str]:
    return {"Content-Disposition": f'inline; filename="{code.slug}.{ext}"'}


ROUTES = [
    Route("/c/{slug}", landing),
    Route("/c/{slug}/qr.png", qr_png_image),
    Route("/c/{slug}/qr.svg", qr_svg_image),
    Route("/c/{slug}/t/{target_id:int}", target_image),
]
