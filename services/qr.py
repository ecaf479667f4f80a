"""QR codes drawn on our server (segno): as SVG for pages, as a PNG data URI for emails
(mail clients show neither SVG nor anything they must fetch). Top level: pages and emails
both use it."""

from __future__ import annotations

import base64
import io

import segno


def svg(text: str, *, scale: int = 4) -> str:
    """``text`` as an SVG element (4 modules of quiet zone; a full QR code, never Micro QR,
    which phones' readers skip), ready to put in a page: attributes only, no style, no
    script; sized by the page's CSS."""
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(
        buffer,
        kind="svg",
        scale=scale,
        border=4,
        dark="#1b1b1f",
        light="#fff",
        xmldecl=False,
        svgns=True,
        svgclass=None,
        omitsize=True,  # a viewBox only: the page's style gives it its size
        lineclass=None,
    )
    return buffer.getvalue().decode()


def png_data_uri(text: str, *, scale: int = 6) -> str:
    """``text`` as a PNG in a ``data:`` URI, for an email's ``<img>``."""
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=scale, border=4)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
