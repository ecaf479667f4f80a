"""The public API: listed events, one event and its live state. No token, no cookie read or
set; cached like the pages they mirror (``public``, an ETag, 304 to a matching
If-None-Match). Drafts do not exist here."""

from __future__ import annotations

import hashlib

from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from spectree import Response as Responses

from core.extensions import db
from models import Event, utcnow
from models.enums import EventStatus
from routes.api.common import PUBLIC, bp, spec
from routes.api.problems import problem
from services.api import schemas, serialise
from services.events import finding

ERRORS = {"HTTP_404": schemas.Problem, "HTTP_429": schemas.Problem}


def documented(answer, query=None):
    """Checked against and documented by ``answer`` (and ``query``); 304 when unchanged."""
    return spec.validate(
        query=query,
        resp=Responses("HTTP_304", HTTP_200=answer, **ERRORS),
        tags=["public"],
        security=PUBLIC,
    )


def _url(event: Event) -> str:
    return current_app.config["BASE_URL"] + url_for("events.show", slug=event.slug)


def _cached(model, max_age: int):
    body = model.model_dump_json()
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response.make_conditional(request)


def _public(event: Event | None) -> Event:
    if event is None or event.status == EventStatus.DRAFT:
        abort(problem(404, _("There is no public event at this address.")))
    return event


@bp.get("/events")
@documented(schemas.EventList, query=schemas.ListingQuery)
def events():
    """Listed events

    Published, listed events that have not ended, soonest first, filtered by words, city and
    dates, a page at a time.
    """
    query: schemas.ListingQuery = request.context.query
    rows, more = serialise.listed_events(db.session, query, utcnow())
    listing = schemas.EventList(
        events=[serialise.summary(e, _url(e)) for e in rows],
        page=query.page,
        per_page=query.per_page,
        has_more=more,
    )
    return _cached(listing, 60)


@bp.get("/events/<slug>")
@documented(schemas.EventDetail)
def event(slug: str):
    """One event

    Details, the organisers' translations, the route as GeoJSON, the schedule, and the
    roles (with how many people are coming where the event shows that).
    """
    found = _public(finding.event_for_page(db.session, slug))
    return _cached(serialise.event_detail(db.session, found, _url(found)), 60)


@bp.get("/events/<slug>/live")
@documented(schemas.LiveState)
def live(slug: str):
    """An event's live state

    Changes and organisers' updates (newest first), where the march is, and the schedule:
    what an open event page refreshes.
    """
    found = _public(finding.public_event(db.session, slug))
    return _cached(serialise.live_state(db.session, found), 10)
