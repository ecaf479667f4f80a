"""The demonstration's route (drawn, typed or uploaded) and its schedule."""

from __future__ import annotations

import json

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.fields.choices import SelectChoice

from core.extensions import db
from forms.errors import attach_error
from forms.event import ActionForm, RouteForm, ScheduleItemForm
from forms.route import ChosenRouteForm
from models import utcnow
from routes.access import require_organiser
from routes.errors import render_error
from routes.organise.common import bp, flash_notice, page, save
from services import events
from services.errors import DomainError
from services.events import page as pages
from services.route import (
    MAX_UPLOAD_BYTES,
    Choice,
    ConnectPoints,
    Route,
    RouteError,
    format_text,
    parse_geojson,
    parse_text,
    read_route_file,
    to_geojson,
)
from services.times import format_time, to_local


def _submitted_route(form: RouteForm) -> Route | Choice:
    """The uploaded file's route (or the question it raises) if there is one, else the
    typed text's; a route that cannot be read is a ``DomainError`` on the field it came from."""
    upload = form.route_file.data
    field = form.route_file if _uploaded(form) else form.points_text
    try:
        if field is form.route_file:
            return read_route_file(upload.read(MAX_UPLOAD_BYTES + 1), upload.filename or "")
        return parse_text(form.points_text.data or "")
    except RouteError as err:
        raise DomainError(str(err), field.name) from None


def _uploaded(form: RouteForm) -> bool:
    upload = form.route_file.data
    return bool(upload and upload.filename)


def _route_form(event, **kwargs) -> RouteForm:
    return RouteForm(data={"points_text": format_text(events.event_route(event))}, **kwargs)


def _route_page(event, form: RouteForm, choice: Choice | None = None, warning: dict | None = None):
    map_data = dict(pages.map_data(event, current_app.config), schedule=_placed_items(event))
    return render_template(
        "organise/route.html",
        form=form,
        event=event,
        map_data=map_data,
        choice=_choice_view(choice),
        warning=warning,
    )


def _placed_items(event) -> list[dict]:
    """The schedule items that sit at a waypoint, for the editor to say, as the route is
    drawn, which would move or lose their place (the server says it again on saving)."""
    places = {w.id: w for w in event.waypoints}
    return [
        {
            "time": format_time(item.starts_at, event.timezone),
            "title": item.title,
            "label": place.label,
            "lat": place.lat,
            "lon": place.lon,
        }
        for item in sorted(event.schedule_items, key=lambda i: (i.starts_at, i.id))
        if (place := places.get(item.waypoint_id))
    ]


def _choice_view(choice: Choice | None) -> dict | None:
    """What the page shows of a question about an uploaded file: per answer, the route it
    stands for as compact GeoJSON (see ``forms.route.ChosenRouteForm``)."""
    if choice is None:
        return None
    if isinstance(choice, ConnectPoints):
        return {"connect": _geojson(choice.route), "count": len(choice.route.points)}
    lines = [
        {
            "name": option.name,
            "km": f"{option.length_m / 1000:.1f}",
            "points": option.point_count,
            "problem": option.problem,
            "geojson": _geojson(option.route) if option.route else None,
        }
        for option in choice.options
    ]
    return {"lines": lines}


def _geojson(route: Route) -> str:
    return json.dumps(to_geojson(route, ""), ensure_ascii=False, separators=(",", ":"))


def _save_route(form, event_id: int, submitted: Route, confirmed: str | None, typed: bool):
    """Lock the event (still theirs?), store ``submitted``, flash and redirect; None (with
    the error on ``form``) if the service refused it.

    Storing nothing yet, it shows the form again when saving would move schedule items to
    another waypoint or leave them with no fixed place, unless the organiser confirmed
    exactly those changes (``confirmed``, the key the warning carried): a typed route with
    the text kept and the form's button turned into "Save anyway", an uploaded or chosen
    one with a form of its own that carries it as GeoJSON (a file cannot be sent back)."""
    event = require_organiser(event_id, for_update=True)
    found = events.place_changes(event, submitted)
    key = events.place_changes_key(found)
    if found and confirmed != key:
        db.session.rollback()  # nothing stored; the event's lock is let go
        warning = {"changes": found, "geojson": None if typed else _geojson(submitted)}
        if typed:
            form.confirm.data = key
        else:
            warning["key"] = key
        with db.reading():
            return _route_page(require_organiser(event_id), form, warning=warning), 200
    return save(
        form,
        lambda: events.save_route(db.session, event, submitted, utcnow()),
        lambda _result: ngettext(
            "Route saved: %(km)s km, %(num)d waypoint.",
            "Route saved: %(km)s km, %(num)d waypoints.",
            len(event.waypoints),
            km=f"{event.route_length_m / 1000:.1f}",
        ),
        lambda _result: redirect(url_for(".route", event_id=event.id)),
        event=event,
    )


@bp.route("/events/<int:event_id>/route", methods=["GET", "POST"])
@login_required
def route(event_id: int):
    if request.method == "GET":
        event = require_organiser(event_id)
        return _route_page(event, _route_form(event)), 200
    # Reading a 2 MB upload takes a while. Meanwhile no lock is held (SQLite's write lock,
    # PostgreSQL's lock on the event's row): otherwise a dozen uploads at once make other
    # people's writes wait until they fail. So: check and read, parse, then lock and store.
    with db.reading():
        form = _route_form(require_organiser(event_id))
        valid = form.validate_on_submit()
    if valid:
        try:
            submitted = _submitted_route(form)
        except DomainError as err:
            attach_error(form, err)
        else:
            if not isinstance(submitted, Route):  # a question to answer first: ask it
                with db.reading():
                    return _route_page(require_organiser(event_id), form, submitted), 200
            typed = not _uploaded(form)
            if done := _save_route(form, event_id, submitted, form.confirm.data, typed):
                return done
    with db.reading():
        return _route_page(require_organiser(event_id), form), 422


@bp.post("/events/<int:event_id>/route/choose")
@login_required
def route_choose(event_id: int):
    """The answer to an upload's question (which line? connect the points?): the route it
    stands for, read like an uploaded GeoJSON file; a refusal shows next to the file field."""
    with db.reading():
        form = _route_form(require_organiser(event_id), formdata=None)
        chosen = ChosenRouteForm()
        valid = chosen.validate_on_submit()
    if valid:
        try:
            submitted = parse_geojson(chosen.route_geojson.data.encode())
        except RouteError as err:
            attach_error(form, DomainError(str(err), form.route_file.name))
        else:
            if done := _save_route(form, event_id, submitted, chosen.confirm.data, False):
                return done
    else:
        attach_error(form, DomainError(_("Upload the file again and choose once more."), None))
    with db.reading():
        return _route_page(require_organiser(event_id), form), 422


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(err: RequestEntityTooLarge):
    """A file over the request size limit is refused before the view runs: on the route
    page, say so next to the file field, with the stored route shown unchanged."""
    if request.endpoint != "organise.route" or not current_user.is_authenticated:
        return render_error(413)
    with db.reading():
        event = require_organiser(request.view_args["event_id"])
        form = _route_form(event, formdata=None)
        form.route_file.errors = [_("The file is larger than 2 MB.")]
        return _route_page(event, form), 413


def _schedule_form(event, item=None) -> ScheduleItemForm:
    local = to_local(item.starts_at if item else event.starts_at, event.timezone)
    data = {"date": local.date()}
    if item is not None:
        data.update(
            time=local.time().replace(second=0, microsecond=0),
            title=item.title,
            description=item.description,
            waypoint_id=str(item.waypoint_id) if item.waypoint_id else "",
        )
    form = ScheduleItemForm(data=data)
    form.waypoint_id.choices = [SelectChoice("", _("No waypoint"))] + [
        SelectChoice(str(w.id), f"{n}. {w.label}") for n, w in enumerate(event.waypoints, 1)
    ]
    return form


def _save_item(event, form, item_id: int | None):
    default_date = to_local(event.starts_at, event.timezone).date()
    return save(
        form,
        lambda: events.save_schedule_item(
            db.session, event, form.entry(default_date, item_id), utcnow()
        ),
        _("Schedule saved."),
        lambda _result: redirect(url_for(".schedule", event_id=event.id)),
        event=event,
    )


@bp.route("/events/<int:event_id>/schedule", methods=["GET", "POST"])
@login_required
def schedule(event_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = _schedule_form(event)
    if form.validate_on_submit() and (done := _save_item(event, form, None)):
        return done
    places = {w.id: f"{n}. {w.label}" for n, w in enumerate(event.waypoints, 1)}
    items = [
        {
            "id": i.id,
            "starts_at": i.starts_at,
            "title": i.title,
            "place": places.get(i.waypoint_id),
        }
        for i in event.schedule_items
    ]
    return page("organise/schedule.html", form=form, event=event, action=ActionForm(), items=items)


@bp.route("/events/<int:event_id>/schedule/<int:item_id>", methods=["GET", "POST"])
@login_required
def schedule_item(event_id: int, item_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    item = next((i for i in event.schedule_items if i.id == item_id), None)
    if item is None:
        abort(404)
    form = _schedule_form(event, item)
    if form.validate_on_submit() and (done := _save_item(event, form, item.id)):
        return done
    return page("organise/schedule_item.html", form=form, event=event, item=item)


@bp.post("/events/<int:event_id>/schedule/<int:item_id>/delete")
@login_required
def delete_schedule_item(event_id: int, item_id: int):
    event = require_organiser(event_id, for_update=True)
    if item_id not in {item.id for item in event.schedule_items}:
        abort(404)
    if ActionForm().validate_on_submit():
        events.delete_schedule_item(db.session, event, item_id, utcnow())
        db.session.commit()
        flash(_("Item removed from the schedule."), "success")
        flash_notice(event)
    return redirect(url_for(".schedule", event_id=event.id))
