"""Response headers that every response carries (log hygiene lives in ``core/logs.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

# Paths that carry a secret (a manage, steward, unsubscribe or reset token): never stored by
# a cache, and never put into the language switcher's links (``core/i18n.py``), where they
# would sit in every page's HTML and in the history.
SECRET_PATHS = (
    "/manage/",
    "/confirm/",
    "/steward/",
    "/unsubscribe/",
    "/reset/",
    "/account/verify/",
    "/organise/invitations/",
)
# Personal pages, and those: no cache stores them.
NO_STORE_PATHS = (
    "/dashboard",
    "/login",
    "/signup",
    "/organise",
    "/dev",
    *(path.rstrip("/") for path in SECRET_PATHS),
)

# Our own pages may ask for the position (the organisers' and stewards' live position), no
# frame or other site may; only the steward's check-in page uses the camera (``allow_camera``);
# nothing uses the microphone.
PERMISSIONS_POLICY = "geolocation=(self), camera=(), microphone=(), interest-cohort=()"
CAMERA_POLICY = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")


def _tile_origin(tile_url: str) -> str:
    parts = urlsplit(tile_url.replace("{s}", "a"))
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc
    # "{s}.tile.example.org" style URLs spread over subdomains: allow them all.
    if "{s}" in tile_url:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


def content_security_policy(app: Flask, frame_ancestors: str = "'none'") -> str:
    """The policy of every page; ``frame_ancestors`` stays 'none' but for the embeddable
    card (``allow_framing``)."""
    img = " ".join(filter(None, ["'self'", "data:", _tile_origin(app.config["TILE_URL"])]))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {img}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
            "manifest-src 'self'",
            "worker-src 'self'",
        ]
    )


def allow_framing(response: Response, origins: Sequence[str]) -> Response:
    """Let other sites show ``response`` in a frame: any site when ``origins`` is empty, else
    only those (and this one). Only the embeddable event card calls this; every other response
    keeps frame-ancestors 'none' and X-Frame-Options DENY. ``origins`` must be checked origins
    (``services.events.embed.normalise_origin``): they are written into the header as given.
    """
    ancestors = " ".join(["'self'", *origins]) if origins else "*"
    response.headers["Content-Security-Policy"] = content_security_policy(current_app, ancestors)
    return response


def allow_camera(response: Response) -> Response:
    """Let this page (not a frame, not another site) ask for the camera: the steward's
    check-in page, which scans QR codes. Every other response keeps ``camera=()``."""
    response.headers["Permissions-Policy"] = CAMERA_POLICY
    return response


def install_headers(app: Flask) -> None:
    csp = content_security_policy(app)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # same-origin: our own form POSTs carry a Referer, which Flask-WTF's CSRF check requires
        # over https; no other site ever learns a page address (manage links hold tokens).
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # X-Frame-Options says to old browsers what frame-ancestors says; it cannot name a
        # list of sites, so a response that may be framed (``allow_framing``) goes without.
        if "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]:
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if "Cache-Control" not in response.headers and request.path.startswith(NO_STORE_PATHS):
            response.headers["Cache-Control"] = "no-store"
        return response
