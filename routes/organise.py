"""Organiser pages for one demonstration: details, route, schedule, publish, cancel,
duplicate and co-organisers. Every page checks ``require_organiser`` (404 for anyone else).

Each view parses a form, calls one service, commits once, then redirects; a ``DomainError``
becomes a message next to its field with status 422, and nothing is stored.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.fields.choices import SelectChoice

from core.extensions import db
from forms.event import (
    ActionForm,
    CancelForm,
    CoOrganiserForm,
    DuplicateForm,
    EventForm,
    RouteForm,
    ScheduleItemForm,
    event_form_data,
)
from forms.event_texts import EventTextsForm
from models import EventOrganiser, User, utcnow
from routes.access import require_organiser
from routes.errors import render_error
from routes.events import map_data
from services import events
from services.errors import DomainError
from services.events import translations as event_texts
from services.route import (
    MAX_UPLOAD_BYTES,
    Route,
    RouteError,
    format_text,
    parse_geojson,
    parse_gpx,
    parse_text,
)
from services.times import format_when, to_local

bp = Blueprint("organise", __name__, url_prefix="/organise")


def _field_error(form, err: DomainError) -> None:
    """Show a service's message next to its field (or above the form); drop its changes."""
    db.session.rollback()
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = [*field.errors, str(err)]
    else:
        form.form_errors.append(str(err))


def _page(template: str, **context):
    """A form page: 200 when first shown, 422 when shown again with errors."""
    return render_template(template, **context), 200 if request.method == "GET" else 422


def _overview(event_id: int):
    return redirect(url_for(".overview", event_id=event_id))


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new():
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = events.create_event(
                db.session, owner_id=current_user.id, details=form.details(), now=utcnow()
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            db.session.commit()
            flash(_("Draft saved. Next: draw the route and add the schedule."), "success")
            return _overview(event.id)
    return _page("organise/edit.html", form=form, event=None)


@bp.get("/events/<int:event_id>")
@login_required
def overview(event_id: int):
    event = require_organiser(event_id)
    return render_template(
        "organise/overview.html",
        event=event,
        action=ActionForm(),
        when=format_when(event.starts_at, event.timezone),
    )


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = EventForm(data=event_form_data(event))
    if form.validate_on_submit():
        try:
            events.update_event(db.session, event, form.details(), utcnow())
        except DomainError as err:
            _field_error(form, err)
        else:
            db.session.commit()
            flash(_("Details saved."), "success")
            return _overview(event.id)
    return _page("organise/edit.html", form=form, event=event)


@bp.route("/events/<int:event_id>/languages", methods=["GET", "POST"])
@login_required
def languages(event_id: int):
    """The title and description in other languages, for participants who read those."""
    event = require_organiser(event_id, for_update=request.method == "POST")
    stored = {t.language: t for t in event.translations}
    form = EventTextsForm(
        data={
            f"{part}_{code}": getattr(
                stored[code], "description_md" if part == "description" else "title"
            )
            for code in stored
            for part in ("title", "description")
        }
    )
    if form.validate_on_submit():
        try:
            event_texts.save(db.session, event, form.texts())
        except DomainError as err:
            _field_error(form, err)
        else:
            db.session.commit()
            flash(_("Translations saved."), "success")
            return _overview(event.id)
    return _page("organise/languages.html", form=form, event=event)


def _uploaded_route(upload) -> Route:
    """Parse an uploaded GPX or GeoJSON file, told apart by extension, else by content."""
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    name = (upload.filename or "").lower()
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if name.endswith(".gpx") or (not name.endswith((".json", ".geojson")) and head == b"<"):
        return parse_gpx(data)
    if name.endswith((".json", ".geojson")) or head in (b"{", b"["):
        return parse_geojson(data)
    raise RouteError(_("Upload a GPX (.gpx) or GeoJSON (.geojson) file."))


@bp.route("/events/<int:event_id>/route", methods=["GET", "POST"])
@login_required
def route(event_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = RouteForm(data={"points_text": format_text(events.event_route(event))})
    if form.validate_on_submit():
        upload = form.route_file.data
        field = form.route_file if upload and upload.filename else form.points_text
        try:
            if field is form.route_file:
                new_route = _uploaded_route(upload)
            else:
                new_route = parse_text(form.points_text.data or "")
            events.save_route(db.session, event, new_route, utcnow())
        except RouteError as err:
            field.errors = [*field.errors, str(err)]
        else:
            db.session.commit()
            flash(
                ngettext(
                    "Route saved: %(km)s km, %(num)d waypoint.",
                    "Route saved: %(km)s km, %(num)d waypoints.",
                    len(event.waypoints),
                    km=f"{event.route_length_m / 1000:.1f}",
                ),
                "success",
            )
            return redirect(url_for(".route", event_id=event.id))
    return _page("organise/route.html", form=form, event=event, map_data=map_data(event))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(err: RequestEntityTooLarge):
    """A file over the request size limit is refused before the view runs: on the route
    page, say so next to the file field, with the stored route shown unchanged."""
    if request.endpoint != "organise.route" or not current_user.is_authenticated:
        return render_error(413)
    event = require_organiser(request.view_args["event_id"])
    form = RouteForm(
        formdata=None, data={"points_text": format_text(events.event_route(event))}
    )
    form.route_file.errors = [_("The file is larger than 2 MB.")]
    html = render_template("organise/route.html", form=form, event=event, map_data=map_data(event))
    return html, 413


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
    try:
        events.save_schedule_item(
            db.session, event, form.entry(default_date, item_id), utcnow()
        )
    except DomainError as err:
        _field_error(form, err)
        return None
    db.session.commit()
    flash(_("Schedule saved."), "success")
    return redirect(url_for(".schedule", event_id=event.id))


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
            "when": format_when(i.starts_at, event.timezone),
            "title": i.title,
            "place": places.get(i.waypoint_id),
        }
        for i in event.schedule_items
    ]
    return _page("organise/schedule.html", form=form, event=event, action=ActionForm(), items=items)


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
    return _page("organise/schedule_item.html", form=form, event=event, item=item)


@bp.post("/events/<int:event_id>/schedule/<int:item_id>/delete")
@login_required
def delete_schedule_item(event_id: int, item_id: int):
    event = require_organiser(event_id, for_update=True)
    if ActionForm().validate_on_submit():
        events.delete_schedule_item(db.session, event, item_id, utcnow())
        db.session.commit()
        flash(_("Item removed from the schedule."), "success")
    return redirect(url_for(".schedule", event_id=event.id))


@bp.post("/events/<int:event_id>/publish")
@login_required
def publish(event_id: int):
    event = require_organiser(event_id, for_update=True)
    if ActionForm().validate_on_submit():
        try:
            events.publish(db.session, event)
        except DomainError as err:
            db.session.rollback()
            flash(str(err), "error")
        else:
            db.session.commit()
            flash(_("Published. Share the link!"), "success")
    return _overview(event_id)


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(event_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = CancelForm()
    if form.validate_on_submit():
        try:
            events.cancel(db.session, event, form.reason.data, utcnow())
        except DomainError as err:
            _field_error(form, err)
        else:
            db.session.commit()
            flash(_("The demonstration is cancelled; participants are being told."), "success")
            return _overview(event.id)
    return _page("organise/cancel.html", form=form, event=event)


@bp.route("/events/<int:event_id>/duplicate", methods=["GET", "POST"])
@login_required
def duplicate(event_id: int):
    event = require_organiser(event_id)
    form = DuplicateForm()
    if form.validate_on_submit():
        try:
            copy = events.duplicate(
                db.session,
                event,
                owner_id=current_user.id,
                weeks=form.weeks.data,
                new_date=form.new_date.data,
            )
        except DomainError as err:
            _field_error(form, err)
        else:
            db.session.commit()
            flash(_("Copy saved as a new draft. Check its details, then publish it."), "success")
            return _overview(copy.id)
    return _page("organise/duplicate.html", form=form, event=event)


@bp.route("/events/<int:event_id>/organisers", methods=["GET", "POST"])
@login_required
def organisers(event_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = CoOrganiserForm()
    if form.validate_on_submit():
        try:
            user = events.add_co_organiser(db.session, event, form.email.data)
        except DomainError as err:
            _field_error(form, err)
        else:
            db.session.commit()
            flash(
                _("%(name)s can now organise this demonstration.", name=user.display_name),
                "success",
            )
            return redirect(url_for(".organisers", event_id=event.id))
    team = db.session.execute(
        select(User.display_name, User.email, EventOrganiser.is_owner)
        .join(EventOrganiser, EventOrganiser.user_id == User.id)
        .where(EventOrganiser.event_id == event.id)
        .order_by(EventOrganiser.is_owner.desc(), User.display_name)
    ).all()
    return _page("organise/organisers.html", form=form, event=event, team=team)
