"""The QR image of a live code's permanent URL, as PNG or SVG (segno: a maintained, pure-Python
QR encoder with both writers built in).

With the brand logo the symbol uses error correction level H (30% of it may be lost) and the
logo covers a fifth of its width at the centre, which scanners read through. The logo goes in
the SVG only: compositing it into a PNG would need an imaging library for one picture."""

from __future__ import annotations

import base64
import io

import segno

SCALE = 10
BORDER = 4
LOGO_SHARE = 0.2


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=SCALE, border=BORDER)
    return out.getvalue()


def qr_svg(url: str, logo: tuple[str, bytes] | None = None) -> bytes:
    """The SVG of ``url``'s QR; ``logo`` is (content type, image bytes) put at its centre."""
    symbol = segno.make(url, error="h" if logo else "m", micro=False)
    out = io.BytesIO()
    symbol.save(out, kind="svg", scale=SCALE, border=BORDER, xmldecl=False)
    svg = out.getvalue().decode()
    if logo is not None:
        width, _ = symbol.symbol_size(scale=SCALE, border=BORDER)
        side = round(width * LOGO_SHARE)
        at = (width - side) / 2
        content_type, data = logo
        href = f"data:{content_type};base64,{base64.b64encode(data).decode()}"
        overlay = (
            f'<rect x="{at - 4}" y="{at - 4}" width="{side + 8}" height="{side + 8}" fill="#fff"/>'
            f'<image x="{at}" y="{at}" width="{side}" height="{side}" href="{href}"/>'
        )
        svg = svg.replace("</svg>", overlay + "</svg>")
    return svg.encode()
