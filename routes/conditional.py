"""Answering public pages from their validator: ETags made before anything is rendered, 304s
that render nothing, and an in-process cache of rendered bodies keyed by those ETags.

An ETag here is a hash of the data a response is built from (``services.events.page.
validator``), the language, and the build: the templates, translations, scripts and styles
of this code and the settings that pages print. Equal ETags mean equal bodies, so a body
rendered once may be served again for the same ETag, to anyone who would get it rendered.

What keeps the cache from serving one person's page to another: only anonymous requests
without a query string or a pending flash message use it (``is_shared``), and a body is
stored only if rendering it left the session untouched (no CSRF token was made, nothing
personal was read). The RSVP form, with its token, is fetched apart (``routes.rsvp``).
Drafts never reach it: their validator path is refused before (``routes.events``).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from flask import Flask, Response, current_app, request, session
from flask_login import current_user

MAX_BYTES = 32 * 1024 * 1024  # per process: a few hundred pages of a few big marches
# The settings that pages print: a change of one changes the pages without any row changing.
PAGE_SETTINGS = (
    "BASE_URL",
    "TILE_URL",
    "TILE_ATTRIBUTION",
    "RETENTION_DAYS",
    "MARCH_PACE_KMH",
    "LIVE_POLL_SECONDS",
)


class BodyCache:
    """Rendered bodies by ETag, the least recently used dropped past ``max_bytes``."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes // 4:
            return
        with self._lock:
            old = self._bodies.pop(key, None)
            self._size += len(body) - (len(old) if old is not None else 0)
            self._bodies[key] = body
            while self._size > self.max_bytes:
                _key, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)


def _build(app: Flask) -> str:
    """A hash of what, besides the data, makes a public page: the files it is rendered from
    and with, and the settings it prints. Made once per app."""
    digest = hashlib.sha256()
    root = Path(app.root_path)
    for folder in ("templates", "translations", "static/js", "static/css"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and path.suffix in {".html", ".mo", ".js", ".css", ".txt"}:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    for name in PAGE_SETTINGS:
        digest.update(f"{name}={app.config.get(name)!r}".encode())
    return digest.hexdigest()[:16]


def init_app(app: Flask) -> None:
    app.extensions["rallypoint.conditional"] = (_build(app), BodyCache())


def _state() -> tuple[str, BodyCache]:
    app = current_app._get_current_object()
    state = app.extensions.get("rallypoint.conditional")
    if state is None:
        init_app(app)
        state = app.extensions["rallypoint.conditional"]
    return state


def cache() -> BodyCache:
    return _state()[1]


def etag(kind: str, language: str, *parts: object) -> str:
    """The ETag of a ``kind`` of response ("page", "feed", "ics"...) built from ``parts``."""
    text = repr((kind, language, _state()[0], parts))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def is_shared() -> bool:
    """Whether this request may get, and give, a body that anyone may get: anonymous, with
    no flash message waiting and no query string (the language switcher links back to the
    full path)."""
    return (
        not request.query_string and not current_user.is_authenticated and "_flashes" not in session
    )


def matches(tag: str) -> bool:
    """Whether the request's If-None-Match names ``tag``, as we sent it or as
    Flask-Compress extended it (``"tag:br"``)."""
    wanted = request.if_none_match
    if not wanted:
        return False
    algorithms = current_app.config.get("COMPRESS_ALGORITHM") or []
    return any(wanted.contains(t) for t in (tag, *(f"{tag}:{a}" for a in algorithms)))


def not_modified(tag: str, cache_control: str) -> Response:
    response = Response(status=304)
    response.set_etag(tag)
    response.headers["Cache-Control"] = cache_control
    return response


def answer(body: bytes, tag: str, *, mimetype: str, cache_control: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.set_etag(tag)
    response.headers["Cache-Control"] = cache_control
    return response
