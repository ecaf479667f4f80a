"""The organisers' view of who is coming: totals, the list, requests, CSV export, roles.

Every page starts with ``require_organiser``: anyone else gets a 404.
"""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Iterable, Iterator

import brotli
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from core.extensions import db
from forms.errors import attach_error
from forms.rsvp import RoleForm
from models import Rsvp, utcnow
from models.enums import AccessKind
from routes.access import require_organiser
from services import mail as mailer
from services import rsvp as rsvps
from services.errors import DomainError
from services.events import access_log
from services.mail import fanout
from services.rsvp import attendees, purge

bp = Blueprint("attendees", __name__, url_prefix="/organise")

CSV_HEADER = (
    _l("Name"),
    _l("Email"),
    _l("People"),
    _l("Role"),
    _l("Status"),
    _l("Reminders"),
    _l("RSVP at (UTC)"),
)
# A spreadsheet runs a cell starting with these as a formula (CSV injection); a leading
# apostrophe makes it text. Tab and CR count too: some spreadsheets strip them first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _log_access(event, kind: AccessKind) -> None:
    # For the owner's access log. In a transaction of its own, committed before the page
    # renders: this request only reads, and on SQLite its own transaction could not write.
    with db.transaction() as session:
        access_log.record(
            session, event_id=event.id, user_id=current_user.id, kind=kind, now=utcnow()
        )


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@bp.get("/events/<int:event_id>/attendees")
@login_required
def index(event_id: int):
    event = require_organiser(event_id)
    _log_access(event, AccessKind.VIEWED)
    q = request.args.get("q", "")[:100]
    status = request.args.get("status", "")
    role = request.args.get("role", "")
    page = attendees.attendee_page(
        db.session, event, q=q, status=status, role=role, page=request.args.get("page", 1, int)
    )
    return render_template(
        "attendees/index.html",
        event=event,
        totals=attendees.totals(db.session, event),
        delivery=fanout.delivery_progress(db.session, event.id),
        page=page,
        role_names={r.id: r.name for r in event.roles},
        statuses=attendees.STATUS_LABELS,
        filters={"q": q, "status": status, "role": role},
    )


def _rsvp_of(event_id: int, rsvp_id: int) -> Rsvp:
    rsvp = db.session.scalar(select(Rsvp).where(Rsvp.id == rsvp_id, Rsvp.event_id == event_id))
    if rsvp is None:
        abort(404)
    return rsvp


def _back(event_id: int):
    # Back to the same page of the list; only ever to this event's list (no open redirect).
    home = url_for(".index", event_id=event_id)
    target = request.form.get("next", "")
    return redirect(target if target.startswith(home + "?") else home, 303)


@bp.post("/events/<int:event_id>/attendees/<int:rsvp_id>/<any(approve, decline, remove):action>")
@login_required
def act(event_id: int, rsvp_id: int, action: str):
    event = require_organiser(event_id)
    rsvp = _rsvp_of(event.id, rsvp_id)
    now = utcnow()
    try:
        if action == "approve":
            rsvps.approve(db.session, event, rsvp, now)  # emails them: confirmed, or waitlisted
            message = _("Approved. We emailed them.")
        elif action == "decline":
            rsvps.decline(db.session, event, rsvp)
            message = _("Declined.")
        else:
            rsvps.remove(db.session, event, rsvp, now)
            message = _("Removed, with their details.")
    except DomainError as err:
        db.session.rollback()
        flash(str(err), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return _back(event_id)


def csv_chunks(rows: Iterable[tuple]) -> Iterator[str]:
    """``attendees.export_rows`` as a spreadsheet's CSV, header first, in chunks of 500 rows
    so that a big list streams without being held in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(title) for title in CSV_HEADER])
    for n, (name, email, people, role, status, reminders, created_at) in enumerate(rows, 1):
        writer.writerow(
            [
                csv_cell(name),
                csv_cell(email),
                people,
                csv_cell(role),
                attendees.STATUS_LABELS.get(status, status),
                _("yes") if reminders else _("no"),
                f"{created_at:%Y-%m-%d %H:%M}",
            ]
        )
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def compressed_chunks(chunks: Iterable[str], encoding: str | None) -> Iterator[bytes]:
    """``chunks`` as UTF-8, compressed with ``encoding`` ("br", "gzip" or None: as they
    are), each chunk flushed as it comes, so the download starts with the first rows.

    Flask-Compress also compresses streams, but never flushes: brotli and zlib then hold
    the output back until their buffers fill, most of a big list.
    """
    config = current_app.config
    if encoding == "br":
        compressor = brotli.Compressor(quality=config["COMPRESS_BR_LEVEL"])
        for chunk in chunks:
            yield compressor.process(chunk.encode()) + compressor.flush()
        yield compressor.finish()
    elif encoding == "gzip":
        gzip = zlib.compressobj(config["COMPRESS_LEVEL"], zlib.DEFLATED, zlib.MAX_WBITS | 16)
        for chunk in chunks:
            yield gzip.compress(chunk.encode()) + gzip.flush(zlib.Z_SYNC_FLUSH)
        yield gzip.flush()
    else:
        for chunk in chunks:
            yield chunk.encode()


@bp.get("/events/<int:event_id>/attendees.csv")
@login_required
def export(event_id: int):
    event = require_organiser(event_id)
    _log_access(event, AccessKind.EXPORTED)
    event_id = event.id
    encoding = request.accept_encodings.best_match(["br", "gzip"])

    def rows() -> Iterator[bytes]:
        # ``db.session`` is looked up while the response streams, inside the request's own
        # context, so the export's reads end with that context (not with the view's).
        yield from compressed_chunks(
            csv_chunks(attendees.export_rows(db.session, event_id)), encoding
        )

    headers = {
        "Content-Disposition": f'attachment; filename="attendees-{event.slug}.csv"',
        "Cache-Control": "no-store",
        "Vary": "Accept-Encoding",
    }
    if encoding:
        headers["Content-Encoding"] = encoding  # Flask-Compress leaves such a response be
    return Response(stream_with_context(rows()), mimetype="text/csv", headers=headers)


# --- roles -------------------------------------------------------------------------------


@bp.route("/events/<int:event_id>/roles", methods=["GET", "POST"])
@login_required
def roles(event_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = RoleForm()
    if form.validate_on_submit():
        try:
            attendees.add_role(
                db.session,
                event,
                name=form.name.data,
                needed=form.needed.data,
                needs_approval=form.needs_approval.data,
            )
        except DomainError as err:
            db.session.rollback()
            attach_error(form, err)
        else:
            db.session.commit()
            flash(_("Role “%(name)s” added.", name=form.name.data.strip()), "success")
            return redirect(url_for(".roles", event_id=event.id), 303)
    status = 422 if form.is_submitted() else 200
    totals = attendees.totals(db.session, event)
    return render_template("attendees/roles.html", event=event, form=form, totals=totals), status


def _role_or_404(event, role_id: int):
    role = attendees.role_of(event, role_id)
    if role is None:
        abort(404)
    return role


@bp.route("/events/<int:event_id>/roles/<int:role_id>", methods=["GET", "POST"])
@login_required
def edit_role(event_id: int, role_id: int):
    event = require_organiser(event_id)
    role = _role_or_404(event, role_id)
    form = RoleForm(obj=role)
    if form.validate_on_submit():
        try:
            attendees.update_role(
                db.session,
                event,
                role,
                name=form.name.data,
                needed=form.needed.data,
                needs_approval=form.needs_approval.data,
                now=utcnow(),
            )
        except DomainError as err:
            db.session.rollback()
            attach_error(form, err)
        else:
            db.session.commit()
            flash(_("Role saved."), "success")
            return redirect(url_for(".roles", event_id=event.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("attendees/role_edit.html", event=event, role=role, form=form), status


@bp.post("/events/<int:event_id>/roles/<int:role_id>/delete")
@login_required
def delete_role(event_id: int, role_id: int):
    event = require_organiser(event_id)
    role = _role_or_404(event, role_id)
    attendees.delete_role(db.session, event, role, utcnow())
    db.session.commit()
    flash(_("Role deleted; its volunteers are now participants."), "success")
    return redirect(url_for(".roles", event_id=event.id), 303)


# --- erasing the participants' details ----------------------------------------------------


@bp.route("/events/<int:event_id>/attendees/erase", methods=["GET", "POST"])
@login_required
def erase(event_id: int):
    """Once the march is over, its organisers may erase what the purge would erase later."""
    event = require_organiser(event_id, for_update=request.method == "POST")
    now = utcnow()
    error = None
    if request.method == "POST":
        try:
            purge.erase_participants_now(db.session, event, now=now)
            purge.erase_mailbox(db.session, mailer.mailbox_dir(current_app.config))
        except DomainError as err:
            db.session.rollback()
            error = str(err)
        else:
            db.session.commit()
            purge.checkpoint(db.engine)
            flash(_("The participants' names and email addresses are erased."), "success")
            return redirect(url_for(".index", event_id=event.id), 303)
    return render_template(
        "attendees/erase.html", event=event, is_over=event.ends_at <= now, error=error
    ), (422 if error else 200)
