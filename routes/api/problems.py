"""Errors under /api/ as RFC 9457 ``application/problem+json``: a title (the HTTP phrase), a
detail in the reader's language, and for a request that broke a rule, the field and the
message of each error. ``routes/errors.py`` answers with these for every error under /api/
(404 for an unknown address, 405, 413, 429...), so no HTML page is ever an API answer."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from flask import current_app
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

MEDIA_TYPE = "application/problem+json"
API_PREFIX = "/api/"


def problem(
    status: int,
    detail: str,
    errors: Iterable[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error ``status`` with ``detail`` and (field, message) ``errors``; never cached."""
    body = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "errors": [{"field": field, "message": message} for field, message in errors],
    }
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


def validation_problem(errors: list[dict]) -> Response:
    """A pydantic validation error as a 422 problem: where and what, never the value sent
    (it may be personal, and error answers end up in clients' logs)."""
    from flask_babel import gettext as _

    return problem(
        422,
        _("Check the fields named below."),
        [(".".join(str(part) for part in e.get("loc", ())), e.get("msg", "")) for e in errors],
    )
