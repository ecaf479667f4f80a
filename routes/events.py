"""Public pages: the listing, an event's page, its calendar file and its route files.

Published and cancelled events are public (listed ones also on /events); a draft is shown
only to its organisers, as a preview, and answers 404 to everyone else.
"""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user

from core.extensions import db
from models import Event, utcnow
from models.enums import EventStatus
from routes.access import require_organiser
from services import calendar as ical
from services.events import event_route
from services.events import page as pages
from services.live import feed as live
from services.route import to_geojson, to_gpx, to_kml

bp = Blueprint("events", __name__)

PER_PAGE = 20


def _load(slug: str) -> Event:
    event = pages.event_for_page(db.session, slug)
    if event is None:
        abort(404)
    if event.status == EventStatus.DRAFT:
        require_organiser(event.id)  # 404 for anyone else: a draft's existence stays private
    return event


def _url(event: Event) -> str:
    return current_app.config["BASE_URL"] + url_for("events.show", slug=event.slug)


def _cached(response: Response, event: Event | None) -> Response:
    """Public caching for what anyone may see; never for drafts or personalised pages."""
    if event is not None and event.status == EventStatus.DRAFT:
        response.headers["Cache-Control"] = "no-store"
        return response
    # A page for a logged-in organiser, or one that started a session (a CSRF token was
    # made for a form on it), must not be stored by a shared cache.
    personal = current_user.is_authenticated or session.modified
    response.headers["Cache-Control"] = "private, no-cache" if personal else "public, max-age=60"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/e/<slug>")
def show(slug: str):
    event = _load(slug)
    now = utcnow()
    context = pages.event_page(
        event, config=current_app.config, language=get_locale().language, page_url=_url(event)
    )
    html = render_template(
        "events/show.html",
        **context,
        live=live.page_context(db.session, event, now),
        panel=pages.rsvp_panel(db.session, event, now),
    )
    return _cached(Response(html), event)


@bp.get("/e/<slug>.ics")
def event_calendar(slug: str):
    event = _load(slug)
    response = Response(ical.event_ics(event, _url(event), utcnow()), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return _cached(response, event)


@bp.get("/e/<slug>/route.gpx")
def route_gpx(slug: str):
    event = _load(slug)
    response = Response(to_gpx(event_route(event), event.title), mimetype="application/gpx+xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.gpx"'
    return _cached(response, event)


@bp.get("/e/<slug>/route.geojson")
def route_geojson(slug: str):
    event = _load(slug)
    body = json.dumps(to_geojson(event_route(event), event.title), ensure_ascii=False)
    response = Response(body, mimetype="application/geo+json")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.geojson"'
    return _cached(response, event)


@bp.get("/e/<slug>/route.kml")
def route_kml(slug: str):
    event = _load(slug)
    kml = to_kml(event_route(event), event.title)
    response = Response(kml, mimetype="application/vnd.google-earth.kml+xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.kml"'
    return _cached(response, event)


def _page_arg(name: str) -> int:
    value = request.args.get(name, "1")
    return max(1, int(value)) if value.isdigit() and len(value) < 6 else 1


@bp.get("/events")
def listing():
    q = request.args.get("q", "").strip()[:100]
    number, past_page = _page_arg("page"), _page_arg("past")
    now = utcnow()
    upcoming = pages.upcoming_events(db.session, now, PER_PAGE + 1, (number - 1) * PER_PAGE, q)
    past = pages.past_events(db.session, now, PER_PAGE + 1, (past_page - 1) * PER_PAGE, q)
    response = Response(
        render_template(
            "events/list.html",
            q=q,
            page=number,
            past_page=past_page,
            upcoming=upcoming[:PER_PAGE],
            more_upcoming=len(upcoming) > PER_PAGE,
            past=past[:PER_PAGE],
            more_past=len(past) > PER_PAGE,
        )
    )
    return _cached(response, None)


@bp.get("/events.ics")
def feed():
    now = utcnow()
    body = ical.feed_ics(pages.feed_events(db.session, now), _url, now)
    return _cached(Response(body, mimetype="text/calendar"), None)
