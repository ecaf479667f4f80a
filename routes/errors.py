"""One styled page per error status; each rolls the request's database work back."""

from __future__ import annotations

import contextlib
import time

import limits
from flask import Flask, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from core.extensions import db, limiter
from routes.api.problems import API_PREFIX, problem

MESSAGES = {
    400: (_l("Something in that request was wrong"), _l("Go back, reload the page and try again.")),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (_l("Page not found"), _l("The link may be mistyped, or the page was removed.")),
    405: (_l("Not possible here"), _l("This page cannot be used that way.")),
    413: (_l("Too large"), _l("What you sent is too large. Try a smaller file.")),
    422: (_l("Something in that form was wrong"), _l("Go back and check the form.")),
    429: (_l("Too many attempts"), _l("Please wait a little and try again.")),
    500: (_l("Something went wrong on our side"), _l("We have been told. Please try again later.")),
}


def render_error(status: int, detail: str | None = None):
    db.session.rollback()
    title, hint = MESSAGES.get(status, MESSAGES[500])
    if request.path.startswith(API_PREFIX):  # the API answers in JSON, never with a page
        return problem(status, str(detail or hint)), status
    return render_template(
        "errors/error.html", status=status, title=title, hint=detail or hint
    ), status


def _http_error(err: HTTPException):
    response = render_error(err.code or 500)
    if err.code == 405 and err.valid_methods:
        return response[0], 405, {"Allow": ", ".join(err.valid_methods)}
    return response


def _csrf_error(_err: CSRFError):
    return render_error(
        400,
        _("This form has expired or was not sent from this site. Reload the page and try again."),
    )


def _unexpected(err: Exception):
    # Flask logs the exception (without request data) before calling this handler.
    return render_error(500)


# What the database raises when it cannot be reached, is restarting or is overloaded (no
# free connection in the pool): the visitor should try again soon, not think we broke.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 30


def _database_unavailable(err: SQLAlchemyError):
    current_app.logger.warning(
        "Database unavailable on %s [%s]: %s",
        request.path,
        request.method,
        str(err).splitlines()[0] if str(err) else type(err).__name__,
    )
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if request.path.startswith(API_PREFIX):
        return problem(503, _("The service is briefly unavailable. Try again soon."), (), headers)
    # A page of its own, rendered without the context processors: base.html and Flask-Login's
    # processor would both ask the database who is logged in, and fail again.
    html = current_app.jinja_env.get_template("errors/unavailable.html").render()
    return html, 503, headers


# --- guessing links ----------------------------------------------------------------------
# Pages found by a secret in their path: an event's slug (unguessable when unlisted) and the
# manage, unsubscribe, steward and reset tokens. A client whose requests for such pages keep
# finding nothing is guessing: after NOT_FOUND_RATE_LIMIT of those 404s it gets 429 on every
# such page until the window has moved on. Pages that are found never count, and the rest of
# the site stays open. Counted in the limiter's storage (Redis, shared by all web processes,
# or memory). By hand rather than as a Flask-Limiter limit: that would put its headers
# (a Retry-After too) on every event page, where caches keep them.
# A short link (/s/<short_code>, listed events only) counts as well.
LINK_ARGUMENTS = frozenset({"slug", "token", "short_code"})
_SCOPE = "link-not-found"


def _is_link_page() -> bool:
    return bool(LINK_ARGUMENTS & (request.view_args or {}).keys())


def _guessing_limits() -> list[limits.RateLimitItem]:
    return limits.parse_many(current_app.config["NOT_FOUND_RATE_LIMIT"])


def _refuse_link_guessers():
    if not _is_link_page():
        return None
    key = get_remote_address()
    try:
        for item in _guessing_limits():
            if not limiter.limiter.test(item, _SCOPE, key):
                reset_at = limiter.limiter.get_window_stats(item, _SCOPE, key).reset_time
                html, status = render_error(429)
                return html, status, {"Retry-After": str(max(1, int(reset_at - time.time())))}
    except Exception:  # the store is unreachable: serve, as Flask-Limiter does
        current_app.logger.warning("Could not check the link-guessing limit", exc_info=True)
    return None


def _count_link_misses(response: Response) -> Response:
    if response.status_code == 404 and _is_link_page():
        key = get_remote_address()
        try:
            for item in _guessing_limits():
                limiter.limiter.hit(item, _SCOPE, key)
        except Exception:
            current_app.logger.warning("Could not count a link miss", exc_info=True)
    return response


def register(app: Flask) -> None:
    app.before_request(_refuse_link_guessers)
    app.after_request(_count_link_misses)
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, _database_unavailable)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _unexpected)
