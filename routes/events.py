"""Public pages: the listing, an event's page, its calendar file and its route files.

Published and cancelled events are public (listed ones also on /events); a draft is shown
only to its organisers, as a preview, and answers 404 to everyone else.
"""

from __future__ import annotations

import json
from datetime import datetime

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
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from models import Event, utcnow
from routes.access import require_organiser
from services import calendar as ical
from services.events import event_route, render_description
from services.events import translations as event_texts
from services.route import to_geojson, to_gpx, walking_minutes
from services.times import format_time, format_when, to_local

bp = Blueprint("events", __name__)

PER_PAGE = 20
KIND_LABELS = {"assembly": _l("Assembly"), "stop": _l("Stop"), "end": _l("End"),
               "first_aid": _l("First aid"), "toilets": _l("Toilets"), "other": _l("Other")}


def _load(slug: str) -> Event:
    """The event at ``slug`` with everything its page shows, in one query per collection."""
    event = db.session.scalar(
        select(Event)
        .where(Event.slug == slug)
        .options(
            selectinload(Event.route_points),
            selectinload(Event.waypoints),
            selectinload(Event.schedule_items),
            selectinload(Event.changes),
            selectinload(Event.translations),
            selectinload(Event.roles),
        )
    )
    if event is None:
        abort(404)
    if event.status == "draft":
        require_organiser(event.id)  # 404 for anyone else: a draft's existence stays private
    return event


def walking_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=rest)
    return _("%(hours)d h", hours=hours) if hours else _("%(minutes)d min", minutes=rest)


def map_data(event: Event) -> dict:
    """The data the map macros and scripts read."""
    return {
        "points": [[p.lat, p.lon] for p in event.route_points],
        "waypoints": [
            {"n": n, "lat": w.lat, "lon": w.lon, "kind": w.kind, "label": w.label}
            for n, w in enumerate(event.waypoints, 1)
        ],
        "tiles": {"url": current_app.config["TILE_URL"],
                  "attribution": current_app.config["TILE_ATTRIBUTION"]},
    }


def event_page_context(event: Event) -> dict:
    """Everything ``events/show.html`` needs; it only reads the event's loaded collections,
    so the page costs the same queries for 5 points or 5,000."""
    tz = event.timezone
    numbers = {w.id: n for n, w in enumerate(event.waypoints, 1)}
    labels = {w.id: w.label for w in event.waypoints}
    start_day = to_local(event.starts_at, tz).date()
    pace = current_app.config["MARCH_PACE_KMH"]
    page_url = current_app.config["BASE_URL"] + url_for("events.show", slug=event.slug)
    title, description_md = event_texts.for_reader(event, get_locale().language)
    return {
        "event": event,
        "when": format_when(event.starts_at, tz),
        "ends": (format_time(event.ends_at, tz) if to_local(event.ends_at, tz).date() == start_day
                 else format_when(event.ends_at, tz)),
        "assembly": event.assembly_waypoint,
        "has_route": len(event.route_points) >= 2,
        "distance_km": format_decimal(event.route_length_m / 1000, format="0.0"),
        "walking": walking_text(walking_minutes(event.route_length_m, pace)),
        "pace_kmh": f"{pace:g}",
        "waypoints": [
            {"n": n, "label": w.label, "kind": w.kind, "kind_label": str(KIND_LABELS[w.kind])}
            for n, w in enumerate(event.waypoints, 1)
        ],
        "map_data": map_data(event),
        "schedule": [
            {
                "id": item.id,
                "time": format_time(item.starts_at, tz),
                "datetime": item.starts_at.isoformat(),
                "other_day": (None if to_local(item.starts_at, tz).date() == start_day
                              else format_when(item.starts_at, tz)),
                "title": item.title,
                "description": item.description,
                "waypoint_n": numbers.get(item.waypoint_id),
                "waypoint_label": labels.get(item.waypoint_id),
            }
            for item in event.schedule_items
        ],
        "title": title,
        "description_html": render_description(description_md),
        "changes": [
            {"id": c.id, "when": format_when(c.created_at, tz),
             "datetime": c.created_at.isoformat(), "summary": c.summary,
             "is_update": c.is_update}
            for c in event.changes
        ],
        "is_draft_preview": event.status == "draft",
        "page_url": page_url,
    }


def _cached(response: Response, event: Event | None) -> Response:
    """Public caching for what anyone may see; never for drafts or personalised pages."""
    if event is not None and event.status == "draft":
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
    response = Response(render_template("events/show.html", **event_page_context(event)))
    return _cached(response, event)


@bp.get("/e/<slug>.ics")
def event_calendar(slug: str):
    event = _load(slug)
    url = current_app.config["BASE_URL"] + url_for("events.show", slug=event.slug)
    response = Response(ical.event_ics(event, url, utcnow()), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    return _cached(response, event)


@bp.get("/e/<slug>/route.gpx")
def route_gpx(slug: str):
    event = _load(slug)
    response = Response(to_gpx(event_route(event), event.title),
                        mimetype="application/gpx+xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.gpx"'
    return _cached(response, event)


@bp.get("/e/<slug>/route.geojson")
def route_geojson(slug: str):
    event = _load(slug)
    body = json.dumps(to_geojson(event_route(event), event.title), ensure_ascii=False)
    response = Response(body, mimetype="application/geo+json")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.geojson"'
    return _cached(response, event)


def _public() -> Select:
    return select(Event).where(Event.status == "published", Event.visibility == "listed")


def upcoming_events(now: datetime, limit: int, offset: int = 0, q: str = "") -> list[Event]:
    """Listed published events that have not ended at ``now``, soonest first, filtered by
    ``q``."""
    query = _public().where(Event.ends_at >= now)
    return list(db.session.scalars(
        _filtered(query, q).order_by(Event.starts_at, Event.id).limit(limit).offset(offset)))


def _filtered(query: Select, q: str) -> Select:
    if not q:
        return query
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return query.where(or_(Event.title.ilike(pattern, escape="\\"),
                           Event.city.ilike(pattern, escape="\\")))


def _page_arg(name: str) -> int:
    value = request.args.get(name, "1")
    return max(1, int(value)) if value.isdigit() and len(value) < 6 else 1


@bp.get("/events")
def listing():
    q = request.args.get("q", "").strip()[:100]
    page, past_page = _page_arg("page"), _page_arg("past")
    now = utcnow()
    upcoming = upcoming_events(now, PER_PAGE + 1, (page - 1) * PER_PAGE, q)
    past = list(db.session.scalars(
        _filtered(_public().where(Event.ends_at < now), q)
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(PER_PAGE + 1).offset((past_page - 1) * PER_PAGE)))
    response = Response(render_template(
        "events/list.html", q=q, page=page, past_page=past_page,
        upcoming=upcoming[:PER_PAGE], more_upcoming=len(upcoming) > PER_PAGE,
        past=past[:PER_PAGE], more_past=len(past) > PER_PAGE, when=format_when,
    ))
    return _cached(response, None)


@bp.get("/events.ics")
def feed():
    now = utcnow()
    events = db.session.scalars(
        _public().where(Event.ends_at >= now)
        .options(selectinload(Event.waypoints)).order_by(Event.starts_at).limit(500))
    base = current_app.config["BASE_URL"]
    body = ical.feed_ics(events, lambda e: base + url_for("events.show", slug=e.slug), now)
    return _cached(Response(body, mimetype="text/calendar"), None)
