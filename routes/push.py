"""Push alerts: a phone turns an event's alerts on or off (JSON, from ``static/js/push.js``),
and the organisers' update form gets "Urgent: send as a push alert".

The event page is public and cached, so it carries no CSRF token: the script first GETs
``/e/<slug>/alerts`` (``no-store``), which gives it a token and the VAPID public key, and
sends the token in ``X-CSRFToken`` with each POST, as the RSVP form's script does. The
organisers' side (an update marked urgent) is on the updates page, ``routes.mail``.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from core.extensions import db, limiter
from models import Event, utcnow
from models.enums import RsvpStatus
from services import push
from services import rsvp as rsvps
from services.events import finding

bp = Blueprint("push", __name__)

NO_STORE = {"Cache-Control": "no-store"}
BODY_MAX = 4096  # a subscription is under 1 KB; anything bigger is not one


def _limit() -> str:
    return current_app.config["PUSH_RATE_LIMIT"]


def _event(slug: str) -> Event:
    event = finding.public_event(db.session, slug)
    if event is None:
        abort(404)
    return event


def _problem(message: str, status: int = 400, field: str | None = None):
    return jsonify({"error": message, "field": field}), status, NO_STORE


def _body() -> dict | None:
    if request.content_length is None or request.content_length > BODY_MAX:
        return None
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


@bp.get("/e/<slug>/alerts")
def settings(slug: str):
    """What the page's script needs before it asks the phone: a CSRF token (this answer
    starts a session) and the key push services will check our requests against."""
    _event(slug)
    config = current_app.config
    return (
        jsonify({"csrf_token": generate_csrf(), "public_key": push.public_key(config)}),
        200,
        (NO_STORE),
    )


@bp.post("/e/<slug>/alerts")
@limiter.limit(_limit)
def subscribe(slug: str):
    """Turn alerts on for this phone: ``{"subscription": PushSubscription.toJSON(),
    "manage": <manage token, optional>}``. From an RSVP's manage page, the token ties the
    subscription to the RSVP's role (confirmed RSVPs only), never to the RSVP itself."""
    event = _event(slug)
    data = _body()
    if data is None:
        return _problem(_("This alert subscription is not valid."), field="endpoint")
    role_id = None
    if data.get("manage") is not None:
        rsvp = rsvps.rsvp_by_token(db.session, str(data["manage"])[:200])
        if rsvp is None or rsvp.event_id != event.id:
            return _problem(_("This RSVP link does not work any more."), field="manage")
        if rsvp.status == RsvpStatus.CONFIRMED:
            role_id = rsvp.role_id
    try:
        subscription = push.parse(
            data.get("subscription"),
            allow_private=current_app.config["PUSH_ALLOW_PRIVATE_ENDPOINTS"],
        )
    except push.BadSubscription as err:
        return _problem(str(err), field=err.field)
    push.subscribe(
        db.session,
        event,
        subscription,
        language=get_locale().language,
        role_id=role_id,
        now=utcnow(),
    )
    db.session.commit()
    return jsonify({"on": True, "message": _("Alerts are on for this phone.")}), 201, NO_STORE


@bp.post("/e/<slug>/alerts/off")
@limiter.limit(_limit)
def unsubscribe(slug: str):
    """Turn alerts off for this phone: ``{"endpoint": …}``. Answers the same whether or not
    the endpoint was subscribed, so it tells nobody which phones are."""
    event = _event(slug)
    data = _body()
    endpoint = data.get("endpoint") if data else None
    if not isinstance(endpoint, str) or not endpoint:
        return _problem(_("This alert subscription is not valid."), field="endpoint")
    push.unsubscribe(db.session, event, endpoint)
    db.session.commit()
    return jsonify({"on": False, "message": _("Alerts are off for this phone.")}), 200, NO_STORE
