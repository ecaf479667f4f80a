"""Public pages: the listing, an event's page, its calendar file and its route files.

Published and cancelled events are public (listed ones also on /events); a draft is shown
only to its organisers, as a preview, and answers 404 to everyone else.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user

from core.extensions import db
from models import Event, utcnow
from models.enums import EventStatus, Visibility
from routes import conditional
from routes.access import require_organiser
from services import calendar as ical
from services import push
from services import texts as reader_texts
from services.events import event_route, finding
from services.events import page as pages
from services.live import feed as live
from services.route import to_geojson, to_gpx, to_kml

bp = Blueprint("events", __name__)

PER_PAGE = 20


def _load(slug: str) -> Event:
    event = finding.event_for_page(db.session, slug)
    if event is None:
        abort(404)
    if event.status == EventStatus.DRAFT:
        require_organiser(event.id)  # 404 for anyone else: a draft's existence stays private
    return event


def _url(event: Event) -> str:
    return current_app.config["BASE_URL"] + url_for("events.show", slug=event.slug)


PUBLIC = "public, max-age=60"


def _cached(response: Response, event: Event | None) -> Response:
    """Public caching for what anyone may see; never for drafts or personalised pages."""
    if event is not None and event.status == EventStatus.DRAFT:
        response.headers["Cache-Control"] = "no-store"
        return response
    # A page for a logged-in organiser, or one that started a session (a CSRF token was
    # made for a form on it), must not be stored by a shared cache.
    personal = current_user.is_authenticated or session.modified
    response.headers["Cache-Control"] = "private, no-cache" if personal else PUBLIC
    response.add_etag()
    return response.make_conditional(request)


def _public(slug: str, kind: str, mimetype: str, build: Callable[[Event], Response | bytes]):
    """A public response of ``kind`` for the event at ``slug``, answered from its validator:
    a 304 or a body cached under the same ETag costs one query and renders nothing.

    Drafts (their organisers' previews) and personal requests (logged in, a flash message
    waiting, a query string) take the plain way: loaded, built, hashed.
    """
    found = pages.validator(db.session, slug)
    if found is None:
        abort(404)
    if found.status == EventStatus.DRAFT or not conditional.is_shared():
        event = _load(slug)
        body = build(event)
        response = body if isinstance(body, Response) else Response(body, mimetype=mimetype)
        return _cached(response, event)
    # The page shows counts and whether RSVPs are open; the files and the feed neither.
    parts = found.parts(utcnow()) if kind == "page" else found.feed_parts()
    tag = conditional.etag(kind, get_locale().language, *parts)
    if conditional.matches(tag):
        return conditional.not_modified(tag, PUBLIC)
    body = conditional.cache().get(tag)
    if body is None:
        built = build(_load(slug))
        body = built.get_data() if isinstance(built, Response) else built
        if session.modified:  # something personal went into it: not for anyone else
            return _cached(Response(body, mimetype=mimetype), None)
        conditional.cache().put(tag, body)
    return conditional.answer(body, tag, mimetype=mimetype, cache_control=PUBLIC)


def _short_url(event: Event) -> str | None:
    """The short link of a listed, published (or cancelled) event. None for an unlisted one,
    whose 26-character slug is its secret (130 bits; a 7-character code, 35 bits, would be
    guessed 2^95 times sooner), and for a draft, whose short link would lead nowhere yet."""
    if event.visibility != Visibility.LISTED or event.status == EventStatus.DRAFT:
        return None
    path = url_for("events.short_link", short_code=event.short_code)
    return current_app.config["BASE_URL"] + path


def _page(event: Event) -> bytes:
    language = get_locale().language
    context = pages.event_page(
        event, config=current_app.config, language=language, page_url=_url(event)
    )
    texts = reader_texts.for_reader(event, language)
    return render_template(
        "events/show.html",
        **context,
        short_url=_short_url(event),
        live=live.page_context(db.session, event),
        organiser=pages.organiser_name(db.session, event),
        panel=pages.rsvp_panel(db.session, event, utcnow(), texts),
        urgent=push.urgent_banner(db.session, event.id),
    ).encode()


@bp.get("/e/<slug>")
def show(slug: str):
    return _public(slug, "page", "text/html", _page)


@bp.get("/e/<slug>/qr.svg")
def qr_code(slug: str):
    """A QR code of the event page's address, drawn here, cached like the page (its ETag
    holds the build, and so BASE_URL)."""

    def build(event: Event) -> bytes:
        return pages.qr_svg(_url(event))

    return _public(slug, "qr", "image/svg+xml", build)


@bp.get("/s/<short_code>")
def short_link(short_code: str):
    """A listed event's short link: to its page. Not found for drafts and unlisted events,
    whose own link is their only way in."""
    event = finding.event_for_short_code(db.session, short_code)
    if event is None:
        abort(404)
    response = redirect(url_for("events.show", slug=event.slug))
    # Not for ever: an event made unlisted loses its short link.
    response.headers["Cache-Control"] = PUBLIC
    return response


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/e/<slug>.ics")
def event_calendar(slug: str):
    def build(event: Event) -> bytes:
        return ical.event_ics(event, _url(event), utcnow())

    return _attachment(_public(slug, "ics", "text/calendar", build), f"{slug}.ics")


@bp.get("/e/<slug>/route.gpx")
def route_gpx(slug: str):
    def build(event: Event) -> bytes:
        return to_gpx(event_route(event), event.title).encode()

    return _attachment(_public(slug, "gpx", "application/gpx+xml", build), f"{slug}.gpx")


@bp.get("/e/<slug>/route.geojson")
def route_geojson(slug: str):
    def build(event: Event) -> bytes:
        return json.dumps(to_geojson(event_route(event), event.title), ensure_ascii=False).encode()

    return _attachment(_public(slug, "geojson", "application/geo+json", build), f"{slug}.geojson")


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
    upcoming = finding.upcoming_events(db.session, now, PER_PAGE + 1, (number - 1) * PER_PAGE, q)
    past = finding.past_events(db.session, now, PER_PAGE + 1, (past_page - 1) * PER_PAGE, q)
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
    body = ical.feed_ics(finding.feed_events(db.session, now), _url, now)
    return _cached(Response(body, mimetype="text/calendar"), None)
