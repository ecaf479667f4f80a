"""Mail pages: one-click unsubscribe, organiser updates with delivery progress, and the dev
mailbox."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from core.extensions import csrf, db
from forms.base import Form
from models import EventChange, utcnow
from routes.access import require_organiser
from services import push
from services.events import changes
from services.mail import fanout
from services.mail import transports as mailer
from services.mail import unsubscribe as unsubscribing

bp = Blueprint("mail", __name__)

NO_STORE = {"Cache-Control": "no-store"}  # these URLs carry a private token


# --- unsubscribe ---------------------------------------------------------------------------


class SuppressForm(Form):
    """Only a CSRF token: the button that stops all mail to the address."""


def _rsvp_or_404(token: str):
    # The unsubscribe token only: a manage or confirm token is not found here.
    rsvp = unsubscribing.rsvp_by_unsubscribe_token(db.session, token)
    if rsvp is None:
        abort(404)
    return rsvp


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    rsvp = _rsvp_or_404(token)
    return (
        render_template("mail/unsubscribe.html", rsvp=rsvp, token=token, form=SuppressForm()),
        200,
        NO_STORE,
    )


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058: mail clients POST here with no cookie and no token
def unsubscribe(token: str):
    """One-click unsubscribe: stops reminders and updates for this RSVP. The token in the URL
    is the proof; the worst a forged POST can do is what the link's owner asked for."""
    rsvp = _rsvp_or_404(token)
    unsubscribing.stop_mail(db.session, rsvp)
    db.session.commit()
    return render_template("mail/unsubscribed.html", rsvp=rsvp, token=token), 200, NO_STORE


@bp.post("/unsubscribe/<token>/everything")
def suppress(token: str):
    """Never email this address again, for any event (CSRF-protected: a form on our page)."""
    rsvp = _rsvp_or_404(token)
    form = SuppressForm()
    if not form.validate_on_submit():
        abort(400)
    if rsvp.email:
        unsubscribing.suppress(db.session, rsvp.email, utcnow())
    unsubscribing.stop_mail(db.session, rsvp)
    db.session.commit()
    return render_template("mail/suppressed.html"), 200, NO_STORE


# --- organiser updates ---------------------------------------------------------------------


class UpdateForm(Form):
    # Kept beside its only view; forms/ holds the forms shared by several.
    message = TextAreaField(
        _l("Message to participants"),
        validators=[
            DataRequired(_l("Write the message participants should read.")),
            Length(max=5000, message=_l("Keep the message under 5,000 characters.")),
        ],
        description=_l("Sent by email and shown on the event page's updates list."),
    )
    include_waitlist = BooleanField(_l("Also send it to the waitlist"))


class UrgentUpdateForm(UpdateForm):
    """The updates page's form: also "send as a push alert", to everyone with alerts on or
    to one role (``services.push``). The API keeps the plain ``UpdateForm``."""

    urgent = BooleanField(
        _l("Urgent: send as a push alert"),
        description=_l(
            "Phones with this demonstration's alerts on show it at once, and the event page "
            "pins it at the top."
        ),
    )
    push_role = SelectField(_l("Send the alert to"), choices=[], default="")


@bp.route("/organise/events/<int:event_id>/updates", methods=["GET", "POST"])
@login_required
def updates(event_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = UrgentUpdateForm()
    form.push_role.choices = push.role_choices(event)
    if form.validate_on_submit():
        change = changes.post_update(
            db.session,
            event,
            form.message.data,
            include_waitlist=form.include_waitlist.data,
            now=utcnow(),
        )
        if form.urgent.data:
            role = int(form.push_role.data) if form.push_role.data else None
            push.queue_alert(db.session, event, change, role_id=role, now=change.created_at)
        db.session.commit()
        flash(_("Your update is on its way to participants."), "success")
        return redirect(url_for("mail.updates", event_id=event.id), 303)
    past = db.session.scalars(
        select(EventChange)
        .where(EventChange.event_id == event.id, EventChange.is_update.is_(True))
        .order_by(EventChange.id.desc())
    ).all()
    status = 422 if form.errors else 200
    return render_template(
        "mail/updates.html",
        event=event,
        form=form,
        past=past,
        progress=fanout.delivery_progress(db.session, event.id),
        alert_phones=push.subscriber_count(db.session, event.id),
        push_alerts=push.alert_progress(db.session, event.id),
    ), status


# --- dev mailbox ---------------------------------------------------------------------------

_MAIL_ID = re.compile(r"^[0-9T]{21}-[0-9a-f]{8}$")


def _mailbox():
    config = current_app.config
    enabled = config["DEV_MAILBOX"]
    if enabled is None:
        enabled = config["ENV_NAME"] == "development" and not config["TESTING"]
    if not enabled or config["MAIL_SERVER"]:
        abort(404)  # only a developer's own machine shows captured mail
    return mailer.mailbox_dir(config)


@bp.get("/dev/mailbox")
def mailbox():
    directory = _mailbox()
    files = sorted(directory.glob("*.eml"), reverse=True)[:200] if directory.exists() else []
    messages = [_summary(path) for path in files]
    return render_template("mail/mailbox.html", messages=messages), 200, NO_STORE


@bp.get("/dev/mailbox/<mail_id>")
def mailbox_message(mail_id: str):
    path = _mail_path(mail_id)
    message = _parse(path)
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body else ""
    return (
        render_template("mail/message.html", mail_id=mail_id, message=message, text=text),
        200,
        NO_STORE,
    )


@bp.get("/dev/mailbox/<mail_id>.eml")
def mailbox_raw(mail_id: str):
    return send_file(_mail_path(mail_id), mimetype="message/rfc822", max_age=0)


def _mail_path(mail_id: str):
    directory = _mailbox()
    if not _MAIL_ID.match(mail_id) or not (directory / f"{mail_id}.eml").is_file():
        abort(404)
    return directory / f"{mail_id}.eml"


def _parse(path):
    with path.open("rb") as handle:
        return BytesParser(policy=policy.default).parse(handle)


def _summary(path) -> dict:
    message = _parse(path)
    return {
        "id": path.stem,
        "to": message["To"],
        "subject": message["Subject"],
        "date": message["Date"],
    }
