"""Organisers' API: their events, made and changed through the same forms and services as
the organiser pages (so the same rules, change records, notices and team permissions), and,
with a token allowed to, the attendee list (every read written to the access log).

The token and its scopes are checked before a view runs (``common._authorised``). Each view:
the event (404 unless the token's account organises it), the form, one service call, one
commit (``_saved``, as ``routes/organise/common.save``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import current_app, request, url_for
from spectree import Response as Responses

from core.extensions import db
from forms.event import CancelForm, EventForm, ScheduleItemForm
from models import Event, utcnow
from models.enums import AccessKind
from routes.api.common import (
    TOKEN,
    bp,
    caller,
    domain_problem,
    field_problem,
    form_errors,
    json_response,
    organised_event,
    spec,
    validated,
)
from routes.mail import UpdateForm
from services import events
from services.api import schemas, serialise
from services.errors import DomainError
from services.events import access_log, changes
from services.route import Route, RouteError, parse_geojson, parse_gpx, parse_text
from services.times import to_local

P = schemas.Problem
READ_ERRORS = {"HTTP_401": P, "HTTP_403": P, "HTTP_404": P, "HTTP_429": P}
WRITE_ERRORS = {**READ_ERRORS, "HTTP_400": P, "HTTP_413": P, "HTTP_415": P, "HTTP_422": P}
# The details form names the local times after the instants they become.
EVENT_FIELDS = {
    "starts_local": "starts_at",
    "ends_local": "ends_at",
    "rsvp_deadline_local": "rsvp_deadline_at",
}
API_NAMES = {form: api for api, form in EVENT_FIELDS.items()}


def documented(
    answer=schemas.OrganiserEvent, *, json=None, query=None, status: int = 200, writes=False
):
    """Checked against and documented by these models; a view with a body writes."""
    errors = WRITE_ERRORS if writes or json is not None else READ_ERRORS
    return spec.validate(
        json=json,
        query=query,
        resp=Responses(**{f"HTTP_{status}": answer}, **errors),
        tags=["organisers"],
        security=TOKEN,
    )


def _url(event: Event) -> str:
    return current_app.config["BASE_URL"] + url_for("events.show", slug=event.slug)


def _answer(event: Event, is_owner: bool, status: int = 200):
    answer = serialise.organiser_event(event, is_owner=is_owner, url=_url(event))
    return json_response(answer, status)


def _saved(event_id: int, change: Callable[[Event], object], names=None):
    """Lock the caller's event, ``change`` it through a service, commit, answer with it; a
    ``DomainError`` is a 422 naming its field, and nothing is stored."""
    event, is_owner = organised_event(caller(), event_id, for_update=True)
    try:
        change(event)
    except DomainError as err:
        domain_problem(err, names)
    db.session.commit()
    return _answer(event, is_owner)


def _event_form(body: schemas.EventInput) -> EventForm:
    data = {EVENT_FIELDS.get(name, name): value for name, value in body.model_dump().items()}
    return validated(EventForm, data, names=API_NAMES)


@bp.get("/organiser/events")
@documented(schemas.OrganiserEventList)
def my_events():
    """Your events

    Every event the token's account organises (owner or co-organiser), drafts included.
    """
    return json_response(serialise.organisers_events(db.session, caller().user.id, _url))


@bp.post("/organiser/events")
@documented(json=schemas.EventInput, status=201)
def create_event():
    """Create a draft

    The details form's fields; the token's account owns the new draft.
    """
    form = _event_form(request.context.json)
    try:
        event = events.create_event(
            db.session, owner_id=caller().user.id, details=form.details(), now=utcnow()
        )
    except DomainError as err:
        domain_problem(err, API_NAMES)
    db.session.commit()
    return _answer(event, True, 201)


@bp.get("/organiser/events/<int:event_id>")
@documented()
def my_event(event_id: int):
    """One of your events

    As its organiser pages show it, drafts included.
    """
    return _answer(*organised_event(caller(), event_id))


@bp.put("/organiser/events/<int:event_id>")
@documented(json=schemas.EventInput)
def update_event(event_id: int):
    """Change an event's details

    All of the details form's fields. On a published event, participants are told what
    changed (time, place), as when the form is saved.
    """
    form = _event_form(request.context.json)
    return _saved(
        event_id,
        lambda event: events.update_event(db.session, event, form.details(), utcnow()),
        API_NAMES,
    )


@bp.post("/organiser/events/<int:event_id>/publish")
@documented(writes=True)
def publish(event_id: int):
    """Publish a draft"""
    return _saved(event_id, lambda event: events.publish(db.session, event))


@bp.post("/organiser/events/<int:event_id>/cancel")
@documented(json=schemas.CancelInput)
def cancel(event_id: int):
    """Cancel an event

    With the reason participants read on the page and in their email.
    """
    form = validated(CancelForm, request.context.json.model_dump())
    return _saved(
        event_id, lambda event: events.cancel(db.session, event, form.reason.data, utcnow())
    )


def _route(body: schemas.RouteInput) -> Route:
    try:
        if body.format == "text":
            return parse_text(body.data)
        data = body.data.encode()
        return parse_gpx(data) if body.format == "gpx" else parse_geojson(data)
    except RouteError as err:
        field_problem([("data", str(err))])


@bp.put("/organiser/events/<int:event_id>/route")
@documented(json=schemas.RouteInput)
def set_route(event_id: int):
    """Replace the route

    As the route page: typed points, or a GPX or GeoJSON file's content (at most 2 MB).
    Schedule items keep their waypoint by its label.
    """
    # As the route page: no lock while a large route is parsed, then lock and store.
    with db.reading():
        organised_event(caller(), event_id)
    route = _route(request.context.json)
    return _saved(event_id, lambda event: events.save_route(db.session, event, route, utcnow()))


def _entries(event: Event, items: list[schemas.ScheduleItemInput]) -> list[events.ScheduleEntry]:
    """The items as the schedule form reads them, or 422 naming every wrong field of all."""
    default_date: date = to_local(event.starts_at, event.timezone).date()
    entries, errors = [], []
    for n, item in enumerate(items):
        form, wrong = form_errors(ScheduleItemForm, item.model_dump(), prefix=f"items.{n}.")
        errors += wrong
        if not wrong:
            entries.append(form.entry(default_date))
    if errors:
        field_problem(errors)
    return entries


@bp.put("/organiser/events/<int:event_id>/schedule")
@documented(json=schemas.ScheduleInput)
def set_schedule(event_id: int):
    """Replace the schedule

    The whole schedule, in any order; times are local to the event. A waypoint is named by
    its id (see `waypoints` of the event).
    """
    items = request.context.json.items
    return _saved(
        event_id,
        lambda event: events.save_schedule(db.session, event, _entries(event, items), utcnow()),
    )


@bp.post("/organiser/events/<int:event_id>/updates")
@documented(schemas.UpdatePosted, json=schemas.UpdateInput, status=201)
def post_update(event_id: int):
    """Post an update

    Shown in the event page's updates and emailed to everyone confirmed (and the waitlist if
    asked), as from the updates page.
    """
    event, _is_owner = organised_event(caller(), event_id, for_update=True)
    form = validated(UpdateForm, request.context.json.model_dump())
    change = changes.post_update(
        db.session,
        event,
        form.message.data,
        include_waitlist=form.include_waitlist.data,
        now=utcnow(),
    )
    db.session.commit()
    posted = schemas.UpdatePosted(id=change.id, at=change.created_at, summary=change.summary)
    return json_response(posted, 201)


@bp.get("/organiser/events/<int:event_id>/attendees")
@documented(schemas.AttendeeList, query=schemas.AttendeesQuery)
def attendees(event_id: int):
    """Who is coming

    Needs a token allowed to read attendee data. Each read is written to the event's access
    log, which its owner reads, as each view of the attendee page is.
    """
    who = caller()
    event, _is_owner = organised_event(who, event_id)
    # In a transaction of its own, as the attendee page's: this request only reads.
    with db.transaction() as session:
        access_log.record(
            session, event_id=event.id, user_id=who.user.id, kind=AccessKind.VIEWED, now=utcnow()
        )
    return json_response(serialise.attendee_list(db.session, event, request.context.query))
