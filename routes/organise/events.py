"""The demonstration itself: create, overview (and "send now" for a waiting change notice),
details, languages, publish, cancel, duplicate."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from core.extensions import db
from forms.event import ActionForm, CancelForm, EventForm, event_form_data
from forms.event_texts import EventTextsForm
from forms.organisers import DuplicateWithTeamForm
from models import utcnow
from routes.access import require_organiser, require_verified
from routes.organise.common import bp, page, save, to_overview
from services import events
from services.errors import DomainError
from services.events import changes
from services.events import organisers as teams
from services.events import translations as event_texts
from services.times import format_time


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new():
    require_verified()
    form = EventForm()
    if form.validate_on_submit() and (
        done := save(
            form,
            lambda: events.create_event(
                db.session, owner_id=current_user.id, details=form.details(), now=utcnow()
            ),
            _("Draft saved. Next: draw the route and add the schedule."),
            lambda event: to_overview(event.id),
        )
    ):
        return done
    return page("organise/edit.html", form=form, event=None)


@bp.get("/events/<int:event_id>")
@login_required
def overview(event_id: int):
    event = require_organiser(event_id)
    now = utcnow()
    return render_template(
        "organise/overview.html",
        event=event,
        action=ActionForm(),
        notice=changes.notice_state(db.session, event, now),
        now=now,
    )


@bp.post("/events/<int:event_id>/changes/send")
@login_required
def send_changes(event_id: int):
    """ "Send now": the waiting change notice goes without waiting for its grace period."""
    event = require_organiser(event_id, for_update=True)
    if ActionForm().validate_on_submit():
        if changes.send_now(db.session, event, utcnow()):
            db.session.commit()
            flash(_("Participants are being told now."), "success")
        else:
            flash(_("No change notice is waiting: participants have been told already."), "info")
    return to_overview(event_id)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = EventForm(data=event_form_data(event))
    if event.schedule_items:
        form.move_schedule.description = _schedule_moves(event)
    if form.validate_on_submit() and (
        done := save(
            form,
            lambda: events.update_event(db.session, event, form.details(), utcnow()),
            _("Details saved."),
            lambda _result: to_overview(event.id),
            event=event,
        )
    ):
        return done
    return page("organise/edit.html", form=form, event=event)


def _schedule_moves(event) -> str:
    """What "move the schedule with the start" will move, e.g. "12:30 Assembly, 13:00 ..."."""
    items = ", ".join(
        f"{format_time(item.starts_at, event.timezone)} {item.title}"
        for item in sorted(event.schedule_items, key=lambda item: item.starts_at)
    )
    return ngettext(
        "If you change the start, its %(num)d schedule item moves by as much: %(items)s.",
        "If you change the start, its %(num)d schedule items move by as much: %(items)s.",
        len(event.schedule_items),
        items=items,
    )


@bp.route("/events/<int:event_id>/languages", methods=["GET", "POST"])
@login_required
def languages(event_id: int):
    """The title, the description, and each schedule item, role and waypoint label in other
    languages, for participants who read those."""
    event = require_organiser(event_id, for_update=request.method == "POST")
    stored = {t.language: t for t in event.translations}
    data = {
        f"{part}_{code}": getattr(
            stored[code], "description_md" if part == "description" else "title"
        )
        for code in stored
        for part in ("title", "description")
    }
    data.update(
        (event_texts.field_name(t.kind, t.source, t.language), t.text)
        for t in event.text_translations
    )
    # A field the request does not send keeps what is stored (as the title fields do).
    form = EventTextsForm.for_event(event_texts.sources(event), data=data)

    def store() -> None:
        event_texts.save(db.session, event, form.texts())
        event_texts.save_texts(db.session, event, form.short_texts())

    if form.validate_on_submit() and (
        done := save(form, store, _("Translations saved."), lambda _result: to_overview(event.id))
    ):
        return done
    return page("organise/languages.html", form=form, event=event)


@bp.post("/events/<int:event_id>/publish")
@login_required
def publish(event_id: int):
    event = require_organiser(event_id, for_update=True)
    if ActionForm().validate_on_submit():
        # No form to show an error next to: a rule broken here is a message at the top.
        try:
            events.publish(db.session, event)
        except DomainError as err:
            db.session.rollback()
            flash(str(err), "error")
        else:
            db.session.commit()
            flash(_("Published. Share the link!"), "success")
    return to_overview(event_id)


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(event_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = CancelForm()
    if form.validate_on_submit() and (
        done := save(
            form,
            lambda: events.cancel(db.session, event, form.reason.data, utcnow()),
            _("The demonstration is cancelled; participants are being told."),
            lambda _result: to_overview(event.id),
        )
    ):
        return done
    return page("organise/cancel.html", form=form, event=event)


@bp.route("/events/<int:event_id>/duplicate", methods=["GET", "POST"])
@login_required
def duplicate(event_id: int):
    event = require_organiser(event_id)
    others = [
        (m.user_id, f"{m.display_name} ({m.email})")
        for m in teams.team(db.session, event)
        if m.user_id != current_user.id
    ]
    form = DuplicateWithTeamForm().setup(others)
    if form.validate_on_submit() and (
        done := save(
            form,
            lambda: events.duplicate(
                db.session,
                event,
                owner_id=current_user.id,
                weeks=form.weeks.data,
                new_date=form.new_date.data,
                organiser_ids=form.organisers.data or (),
            ),
            _("Copy saved as a new draft. Check its details, then publish it."),
            lambda copy: to_overview(copy.id),
        )
    ):
        return done
    return page("organise/duplicate.html", form=form, event=event)
