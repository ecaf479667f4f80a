"""On the day: the live feed of an event page, and reporting where the march is."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from core.extensions import db, limiter
from forms.errors import attach_error
from forms.position import PositionForm, StewardLinkForm
from models import Event, utcnow
from models.enums import EventStatus
from routes import conditional
from routes.access import require_organiser
from routes.assets import leaflet_url
from services.errors import DomainError
from services.events import page as pages
from services.live import feed as live
from services.live import page as live_pages
from services.live import positions as march

bp = Blueprint("live", __name__)


FEED_CACHE = "public, max-age=10"


@bp.get("/e/<slug>/live.json")
def feed(slug: str):
    """The page's updates and position, answered from the event's validator: an unchanged
    feed is a 304 (or a body cached under the same ETag) after one query."""
    found = pages.validator(db.session, slug, counts=False)
    if found is None or found.status == EventStatus.DRAFT:
        abort(404)
    tag = conditional.etag("feed", get_locale().language, *found.feed_parts())
    if conditional.matches(tag):
        return conditional.not_modified(tag, FEED_CACHE)
    body = conditional.cache().get(tag)
    if body is None:
        event = db.session.get(Event, found.event_id)
        data = live.feed_data(db.session, event)
        body = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
        # Nothing in the feed is personal, whoever asks: one body per ETag for everyone.
        conditional.cache().put(tag, body)
    return conditional.answer(body, tag, mimetype="application/json", cache_control=FEED_CACHE)


OFFLINE_STATIC = (
    "css/app.css",
    "css/events.css",
    "css/map.css",
    "css/rsvp.css",
    "js/event-map.js",
    "js/i18n.js",
    "js/live.js",
    "js/map-base.js",
    "js/offline.js",
    "js/push.js",
    "js/rsvp.js",
    "js/share.js",
)


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so that it may keep event pages offline."""
    response = current_app.send_static_file("js/sw.js")
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline-assets.json")
def offline_assets():
    """What the service worker stores at install: the scripts and styles of an event page."""
    urls = [url_for("static", filename=name) for name in OFFLINE_STATIC]
    urls += [leaflet_url(name) for name in ("leaflet.js", "leaflet.css")]
    return current_app.json.response(urls)


@bp.get("/offline")
def offline():
    """What the service worker shows, in the phone's language, for a page it does not keep or
    a form sent without a connection: instead of the browser's own "no internet" page."""
    html = render_template("live/offline.html")
    return html, 200, {"Cache-Control": "public, max-age=3600"}


NO_STORE = {"Cache-Control": "no-store"}


def _position_page(event: Event, *, action: str, back: str | None):
    form = PositionForm().setup(live_pages.named_places(db.session, event))
    if form.validate_on_submit():
        lat, lon = form.position()
        try:
            march.report_position(
                db.session,
                event,
                lat=lat,
                lon=lon,
                is_front=form.part.data == "front",
                now=utcnow(),
            )
        except DomainError as err:
            attach_error(form, err)
        else:
            db.session.commit()
            flash(_("Thank you. The map now shows the march here."), "success")
            return redirect(action)
    html = render_template(
        "live/position.html",
        event=event,
        form=form,
        action=action,
        back=back,
        has_route=live_pages.has_route(db.session, event),
    )
    return html, 422 if request.method == "POST" else 200, NO_STORE


def _position_limit() -> str:
    return current_app.config["POSITION_RATE_LIMIT"]


@bp.route("/organise/events/<int:event_id>/position", methods=["GET", "POST"])
@login_required
@limiter.limit(_position_limit, methods=["POST"])
def organiser_position(event_id: int):
    event = require_organiser(event_id)
    action = url_for("live.organiser_position", event_id=event.id)
    return _position_page(
        event, action=action, back=url_for("organise.overview", event_id=event.id)
    )


@bp.route("/steward/<token>", methods=["GET", "POST"])
@limiter.limit(_position_limit, methods=["POST"])
def steward_position(token: str):
    event = march.event_for_steward(db.session, token, utcnow())
    if event is None:
        abort(404)
    return _position_page(event, action=url_for("live.steward_position", token=token), back=None)


@bp.route("/organise/events/<int:event_id>/stewards", methods=["GET", "POST"])
@login_required
def stewards(event_id: int):
    event = require_organiser(event_id)
    form = StewardLinkForm()
    new_link = None
    if form.validate_on_submit():
        try:
            token = march.create_steward_link(
                db.session, event, label=form.label.data, hours=form.hours.data, now=utcnow()
            )
        except DomainError as err:
            attach_error(form, err)
        else:
            db.session.commit()
            new_link = current_app.config["BASE_URL"] + url_for(
                "live.steward_position", token=token
            )
    status = 422 if request.method == "POST" and form.errors else 200
    html = render_template(
        "live/stewards.html",
        event=event,
        form=form,
        new_link=new_link,
        now=utcnow(),
        links=live_pages.steward_links(db.session, event),
    )
    return html, status, NO_STORE


@bp.post("/organise/events/<int:event_id>/stewards/<int:link_id>/revoke")
@login_required
def revoke_steward(event_id: int, link_id: int):
    event = require_organiser(event_id)
    if not march.revoke_steward_link(db.session, event, link_id, utcnow()):
        abort(404)
    db.session.commit()
    flash(_("The link no longer works."), "info")
    return redirect(url_for("live.stewards", event_id=event.id))
