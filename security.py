"""Response headers and log hygiene that every response and every log line follows."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from flask import Flask, Response, request


def _tile_origin(tile_url: str) -> str:
    parts = urlsplit(tile_url.replace("{s}", "a"))
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc
    # "{s}.tile.example.org" style URLs spread over subdomains: allow them all.
    if "{s}" in tile_url:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


def content_security_policy(app: Flask) -> str:
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
            "frame-ancestors 'none'",
            "manifest-src 'self'",
            "worker-src 'self'",
        ]
    )


def install_headers(app: Flask) -> None:
    csp = content_security_policy(app)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # same-origin: our own form POSTs carry a Referer, which Flask-WTF's CSRF check requires
        # over https; no other site ever learns a page address (manage links hold tokens).
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "interest-cohort=()")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if "Cache-Control" not in response.headers and (
            request.path.startswith(
                ("/dashboard", "/manage", "/login", "/signup", "/organise", "/steward",
                 "/unsubscribe", "/reset", "/dev")
            )
        ):
            response.headers["Cache-Control"] = "no-store"
        return response


_IPV4 = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b")
_HEX_COLON = re.compile(r"[0-9a-fA-F]*:[0-9a-fA-F:]+")


def _ipv6(match: re.Match) -> str:
    # Times like 21:50:33 look alike; an IPv6 address has "::" or at least three colons.
    text = match.group(0)
    return "-" if "::" in text or text.count(":") >= 3 else text


# Manage and unsubscribe links carry secrets in the path; anything token-like is cut.
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{20,}")
_EMAIL = re.compile(r"[^\s@/\"']+@[^\s@/\"']+")


def redact(text: str) -> str:
    """A log line without client addresses, emails or link tokens."""
    text = _HEX_COLON.sub(_ipv6, _IPV4.sub("-", text))
    return _TOKEN.sub("[token]", _EMAIL.sub("[email]", text))


class RedactingFilter(logging.Filter):
    """Participants can be put at risk by logs: strip what would identify them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.name == "werkzeug" and " - - [" not in message:
            return True  # the dev server's start-up banner, not a request line
        record.msg = redact(message)
        record.args = ()
        return True


def install_log_redaction() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "rallypoint"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
