"""The API blueprint, its OpenAPI generator and what every API view shares: the token check,
the scopes, the organiser's event, and validating with the organiser pages' forms.

Authentication is by ``Authorization: Bearer <token>`` only. The session cookie is never read
(nothing here touches ``current_user``), so a browser that is logged in but sends no token
is refused: that is why the blueprint can be exempt from CSRF, which guards cookie logins.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, abort, current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from core.extensions import csrf, db, limiter
from forms.base import Form
from models import Event
from routes.access import membership
from routes.api.problems import problem, validation_problem
from services.accounts import api_tokens
from services.accounts.api_tokens import Caller
from services.api.schemas import Problem
from services.errors import DomainError
from services.route import RouteError
from services.route.guards import guard_json

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)  # no cookie is ever read here: see above


def _before(_request, response, error, _instance, _adapter) -> None:
    # The request did not match its schema: answer with a problem (spectree then aborts with
    # this response). Nothing is logged: the errors carry what was sent.
    if error is not None:
        fixed = validation_problem(error.errors(include_input=False, include_url=False))
        response.set_data(fixed.get_data())
        response.headers = fixed.headers


def _after(_request, _response, error, _instance, _adapter) -> None:
    if error is not None:  # our answer broke its own schema: a bug, logged without values
        current_app.logger.error(
            "API answer broke its schema on %s: %s",
            request.endpoint,
            [(e["loc"], e["type"]) for e in error.errors(include_input=False)],
        )


spec = SpecTree(
    "flask",
    title="Rallypoint API",
    version="1",
    description=(
        "Public events (read-only, no token) and organisers' events (a personal token from "
        "the account's API tokens page, sent as Authorization: Bearer <token>). Errors are "
        "application/problem+json."
    ),
    mode="strict",  # only the views decorated below: the HTML pages are not API
    path="_spectree",  # its own doc pages (from a CDN) are never registered
    before=_before,
    after=_after,
    validation_error_status=422,
    validation_error_model=Problem,
    naming_strategy=lambda model: model.__name__,
    security_schemes=[
        SecurityScheme(
            name="token",
            data=SecuritySchemeData(
                type=SecureType.HTTP, scheme="bearer", description="A personal API token."
            ),
        )
    ],
)
PUBLIC: dict = {}  # ``security=PUBLIC``: no token needed
TOKEN = {"token": []}


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def api_key() -> str:
    """Per token where one is sent (a hash: the store never holds a token), else per
    client address."""
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and api_tokens.is_well_formed(secret.strip()):
        return "api-token:" + hashlib.sha256(secret.strip().encode()).hexdigest()[:32]
    return "api-address:" + get_remote_address()


limiter.limit(api_limit, key_func=api_key)(bp)


ORGANISER_PREFIX = "/api/organiser/"
ATTENDEE_ENDPOINTS = frozenset({"api.attendees"})


@bp.before_request
def _authorised():
    """Organisers' endpoints: the token first, before any body is read, then its scopes:
    writing takes a read and write token, attendee data a token allowed to read it."""
    if request.url_rule is None or not request.path.startswith(ORGANISER_PREFIX):
        return None  # public, or no such address (404)
    who = _authenticated()
    if request.method not in ("GET", "HEAD") and not who.may_write:
        return problem(403, _("This token is read-only. Make a read and write token."))
    if request.endpoint in ATTENDEE_ENDPOINTS and not who.reads_attendees:
        return problem(403, _("This token may not read attendee data."))
    g.api_caller = who
    return None


@bp.before_request
def _bounded_json():
    """A JSON body is checked before anything parses it: the media type (415), its nesting
    (json recurses once per level) and its syntax (400)."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.content_length:
        return None
    if request.mimetype != "application/json":
        return problem(415, _("Send the body as application/json."))
    data = request.get_data(cache=True)
    try:
        guard_json(data.decode("utf-8"))
        request.get_json()
    except (UnicodeDecodeError, RouteError, BadRequest, RecursionError):
        return problem(400, _("The body is not valid JSON (UTF-8, nested at most 32 deep)."))
    return None


def _authenticated() -> Caller:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        abort(
            problem(
                401,
                _("Send a personal API token: Authorization: Bearer <token>."),
                headers={"WWW-Authenticate": 'Bearer realm="rallypoint"'},
            )
        )
    found = api_tokens.caller_for(db.session, secret.strip())
    if found is None:
        abort(
            problem(
                401,
                _("This API token is not valid. It may have been revoked."),
                headers={"WWW-Authenticate": 'Bearer realm="rallypoint", error="invalid_token"'},
            )
        )
    return found


def caller() -> Caller:
    """Whom this request's token speaks for (checked, with its scopes, by ``_authorised``)."""
    return g.api_caller


def organised_event(who: Caller, event_id: int, *, for_update: bool = False) -> tuple[Event, bool]:
    """The event and whether ``who`` owns it, if ``who`` organises it (owner or co-organiser,
    as on the pages); 404 otherwise, so another organiser learns nothing of it."""
    found = membership(who.user.id, event_id, for_update=for_update)
    if found is None:
        abort(problem(404, _("You organise no event with this number.")))
    return found[0], found[1].is_owner


def field_problem(errors: list[tuple[str, str]]) -> None:
    abort(problem(422, _("Check the fields named below."), errors))


def form_errors(
    form_class: type[Form], values: dict, prefix: str = "", names=None, **kw
) -> tuple[Form, list[tuple[str, str]]]:
    """``form_class`` filled with ``values`` and validated as the organiser pages do (the
    same lengths, formats and control-character rules), and its errors as (field, message),
    the field named as the API names it (``names`` maps a form field to that) after
    ``prefix``."""
    formdata = MultiDict()
    for name, value in values.items():
        if value is None or value is False:
            continue  # an empty field, an unticked box
        formdata.add(name, "y" if value is True else str(value))
    form = form_class(formdata=formdata, meta={"csrf": False}, **kw)
    if form.validate():
        return form, []
    names = names or {}
    return form, [
        (prefix + names.get(name, name), str(message))
        for name, messages in form.errors.items()
        for message in messages
    ]


def validated(form_class: type[Form], values: dict, names=None, **kw) -> Form:
    """The validated form (see ``form_errors``); 422 naming each field otherwise."""
    form, errors = form_errors(form_class, values, names=names, **kw)
    if errors:
        field_problem(errors)
    return form


def domain_problem(err: DomainError, names=None, prefix: str = "") -> None:
    """A rule a service enforces, broken: 422 with its message next to its field."""
    db.session.rollback()
    field = (names or {}).get(err.field, err.field) if err.field else ""
    abort(problem(422, str(err), [(prefix + field, str(err))] if field else []))


def json_response(model, status: int = 200):
    return current_app.response_class(
        model.model_dump_json(), status=status, mimetype="application/json"
    )


@bp.after_request
def _private_by_default(response):
    # Organisers' answers (and their errors) are for the token's holder alone; the public
    # views set their own caching.
    response.headers.setdefault("Cache-Control", "no-store")
    return response
