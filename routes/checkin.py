"""Checking volunteers in on the day: a steward link's check-in page (scan, typed code, name
search; the typed code also works as a plain form), its JSON for the page's script (which
queues check-ins while offline), and the organisers' day view with its live counts.

Every code a steward link tries counts against ``CHECKIN_RATE_LIMIT``, keyed by a hash of
the link (never the link itself), whichever of the three ways it comes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_login import login_required

from core.extensions import db, limiter
from core.headers import allow_camera
from forms.checkin import CheckInForm
from forms.errors import attach_error
from models import Event, StewardLink, utcnow
from routes import conditional
from routes.access import require_organiser
from services import live
from services.errors import DomainError
from services.rsvp import checkin as checkins

bp = Blueprint("checkin", __name__)

NO_STORE = {"Cache-Control": "no-store"}
BODY_MAX = 1024  # {"code": "...", "at": "..."} is under 100 bytes


def _limit() -> str:
    return current_app.config["CHECKIN_RATE_LIMIT"]


def _link_key() -> str:
    """The limiter's key: a hash of the steward link's token, so its storage holds no link."""
    token = (request.view_args or {}).get("token", "")
    return "checkin:" + hashlib.sha256(token.encode()).hexdigest()[:32]


# One count per link for every code tried, whichever way (opening the page counts nothing).
checkin_limit = limiter.shared_limit(_limit, scope="checkin", key_func=_link_key, methods=["POST"])
search_limit = limiter.shared_limit(_limit, scope="checkin", key_func=_link_key)


def _steward(token: str) -> tuple[StewardLink, Event]:
    link = live.steward_link(db.session, token, utcnow())
    if link is None:
        abort(404)
    return link, db.session.get(Event, link.event_id)


@bp.route("/steward/<token>/checkin", methods=["GET", "POST"])
@checkin_limit
def steward_page(token: str):
    """The check-in page. Without JavaScript, its typed-code form posts here and the answer
    is the page again with the outcome above the form."""
    link, event = _steward(token)
    form = CheckInForm()
    result = None
    status = 200
    if form.validate_on_submit():
        try:
            result = checkins.check_in_code(
                db.session, event, form.code.data, steward_link_id=link.id, now=utcnow()
            )
        except DomainError as err:
            attach_error(form, err)
        else:
            db.session.commit()
            form.code.data = ""
    if request.method == "POST" and form.errors:
        status = 422
    html = render_template(
        "checkin/steward.html",
        event=event,
        form=form,
        result=result,
        token=token,
        json_url=url_for("checkin.steward_json", token=token),
        search_url=url_for("checkin.steward_search", token=token),
        position_url=url_for("live.steward_position", token=token),
    )
    return allow_camera(make_response(html, status, NO_STORE))


def _instant(value: object) -> datetime | None:
    """The phone's time of a queued check-in (ISO 8601 with a zone), or None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        return None
    return instant.astimezone(UTC) if instant.tzinfo else None


@bp.post("/steward/<token>/checkin.json")
@checkin_limit
def steward_json(token: str):
    """A check-in from the page's script: ``{"code", "at"}`` (typed, scanned or queued
    offline; ``at`` is when) or ``{"rsvp"}`` (found by name). Answers ``{"ok", "message"}``,
    200 for an unknown code and a code already used alike; 422 for what cannot be a code."""
    link, event = _steward(token)
    if request.content_length is None or request.content_length > BODY_MAX:
        abort(413 if request.content_length else 400)
    try:
        body = json.loads(request.get_data())
    except ValueError:
        body = None
    if not isinstance(body, dict):
        abort(400)
    now = utcnow()
    try:
        if isinstance(body.get("rsvp"), int):
            result = checkins.check_in_rsvp(
                db.session, event, body["rsvp"], steward_link_id=link.id, now=now
            )
        else:
            code = body.get("code")
            result = checkins.check_in_code(
                db.session,
                event,
                code if isinstance(code, str) else "",
                steward_link_id=link.id,
                now=now,
                at=_instant(body.get("at")),
            )
    except DomainError as err:
        return jsonify(ok=False, message=str(err), field="code"), 422, NO_STORE
    db.session.commit()
    return jsonify(ok=result.is_checked_in, message=result.message), 200, NO_STORE


@bp.get("/steward/<token>/checkin/search")
@search_limit
def steward_search(token: str):
    """Confirmed volunteers whose name contains ``q``: for a volunteer without their code."""
    _link, event = _steward(token)
    found = checkins.search(db.session, event, request.args.get("q", "")[:80])
    return jsonify(results=found), 200, NO_STORE


# --- the organisers' day view ------------------------------------------------------------


def _counts(event: Event) -> list[dict]:
    return [
        {
            "name": line.name,
            "needed": line.needed,
            "confirmed": line.confirmed,
            "checked_in": line.checked_in,
        }
        for line in checkins.day_view(db.session, event)
    ]


@bp.get("/organise/events/<int:event_id>/checkins")
@login_required
def day_view(event_id: int):
    event = require_organiser(event_id)
    html = render_template(
        "checkin/day.html",
        event=event,
        roles=_counts(event),
        counts_url=url_for("checkin.day_counts", event_id=event.id),
        interval=current_app.config["LIVE_POLL_SECONDS"],
    )
    return html, 200, NO_STORE


@bp.get("/organise/events/<int:event_id>/checkins.json")
@login_required
def day_counts(event_id: int):
    """Per role: needed, confirmed, checked in. Polled by the day view; an unchanged answer
    is a 304 (its ETag is a hash of the counts)."""
    event = require_organiser(event_id)
    body = json.dumps({"roles": _counts(event)}, separators=(",", ":")).encode()
    tag = hashlib.sha256(body).hexdigest()[:32]
    cache_control = "private, no-cache"
    if conditional.matches(tag):
        return conditional.not_modified(tag, cache_control)
    return conditional.answer(body, tag, mimetype="application/json", cache_control=cache_control)
