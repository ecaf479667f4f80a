"""RSVP from a phone (with or without JavaScript), confirm it from the email, and the
participant's private manage page.

The RSVP panel is a template (``rsvp/_panel.html``) that a page includes with ``event`` and
``panel`` (``services.events.pages.rsvp_panel``, plus the form here) in its context.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from core.extensions import db, limiter
from forms.errors import attach_error
from forms.rsvp import ConfirmForm, ManageForm, RsvpForm, role_labels
from models import Event, Rsvp, utcnow
from models.enums import RsvpStatus
from services import qr, tokens
from services import rsvp as rsvps
from services import texts as reader_texts
from services.errors import DomainError
from services.events import finding
from services.events import page as pages
from services.rsvp import checkin as checkins

bp = Blueprint("rsvp", __name__)


# Per address, applied to every POST of the RSVP form; the per-email limit stops one
# address being flooded with confirmation mail from many clients.
def _address_limit() -> str:
    return current_app.config["RSVP_RATE_LIMIT"]


def _email_limit() -> str:
    return current_app.config["RSVP_EMAIL_RATE_LIMIT"]


def _email_key() -> str:
    # Keyed by a keyed hash, so the limiter's storage (Redis, say) holds no address.
    email = (request.form.get("email") or "").strip().lower()
    key = current_app.config["SECRET_KEY"].encode()
    return "rsvp-email:" + hmac.new(key, email.encode(), hashlib.sha256).hexdigest()


def _is_fetch() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _event(slug: str) -> Event:
    """A published or cancelled event; drafts stay invisible (404)."""
    event = finding.public_event(db.session, slug)
    if event is None:
        abort(404)
    return event


def _panel(event: Event, form: RsvpForm) -> dict:
    """The RSVP panel with its form, whose role choices say "stewards: 6 of 10"."""
    texts = reader_texts.for_reader(event, _language())
    panel = pages.rsvp_panel(db.session, event, utcnow(), texts)
    panel["form"] = form.setup(event, event.roles, role_labels(panel["lines"]))
    return panel


def _panel_response(event: Event, form: RsvpForm, status: int):
    panel = _panel(event, form)
    # The form carries this visitor's CSRF token: never for a shared cache.
    headers = {"Cache-Control": "no-store"}
    if _is_fetch():
        html = render_template("rsvp/_panel.html", panel=panel, event=event, fragment=True)
    else:
        html = render_template("rsvp/page.html", event=event, panel=panel)
    return html, status, headers


@bp.get("/e/<slug>/rsvp")
def page(slug: str):
    event = _event(slug)
    return _panel_response(event, RsvpForm(formdata=None), 200)


@bp.post("/e/<slug>/rsvp")
@limiter.limit(_address_limit, methods=["POST"])
@limiter.limit(_email_limit, key_func=_email_key, methods=["POST"])
def submit(slug: str):
    event = _event(slug)
    form = RsvpForm()
    form.setup(event, event.roles)
    if form.validate():
        now = utcnow()
        try:
            rsvps.submit_rsvp(
                db.session,
                event,
                email=form.email.data,
                name=form.name.data,
                party_size=form.party_size.data,
                role_id=form.role_id.data or None,
                wants_reminders=form.wants_reminders.data,
                language=_language(),
                now=now,
            )
        except DomainError as err:
            db.session.rollback()
            attach_error(form, err)
        else:
            db.session.commit()
            # The same answer for a new and a known email: nothing here may depend on
            # whether this address had already RSVPed (the service changed nothing then).
            if _is_fetch():
                return render_template("rsvp/_sent.html", event=event)
            return render_template("rsvp/sent.html", event=event)
    return _panel_response(event, form, 422)


def _language() -> str:
    """The language this request is shown in: the participant's emails use it too."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


# --- the confirm link --------------------------------------------------------------------
# The emailed link opens a page with a button; only the button's POST confirms, because mail
# scanners open (GET) every link in a message.


def _unconfirmed_or_404(token: str) -> tuple[Rsvp, Event]:
    rsvp = rsvps.rsvp_by_confirm_token(db.session, token)
    if rsvp is None:
        abort(404)
    return rsvp, db.session.get(Event, rsvp.event_id)


def _confirm_page(token: str, rsvp: Rsvp, event: Event, form: ConfirmForm, status: int = 200):
    now = utcnow()
    expired = rsvps.confirm_expires_at(rsvp) <= now
    html = render_template(
        "rsvp/confirm.html",
        token=token,
        rsvp=rsvp,
        event=event,
        form=form,
        closed=None if expired else rsvps.closed_reason(event, now),
        expired=expired,
    )
    return html, status, {"Cache-Control": "no-store"}


@bp.get("/confirm/<token>")
def confirm(token: str):
    rsvp, event = _unconfirmed_or_404(token)
    return _confirm_page(token, rsvp, event, ConfirmForm())


@bp.post("/confirm/<token>")
def confirm_post(token: str):
    rsvp, event = _unconfirmed_or_404(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            rsvps.confirm_rsvp(db.session, rsvp, utcnow())
        except DomainError as err:
            db.session.rollback()
            attach_error(form, err)
            rsvp, event = _unconfirmed_or_404(token)
        else:
            db.session.commit()
            flash(_("Thank you: your RSVP is confirmed and counts now."), "success")
            manage_token = tokens.rsvp_token(rsvp.token_salt)
            return redirect(url_for("rsvp.manage", token=manage_token), 303)
    return _confirm_page(token, rsvp, event, form, 422)


# --- the manage link ---------------------------------------------------------------------


def _rsvp_or_404(token: str) -> tuple[Rsvp, Event]:
    rsvp = rsvps.rsvp_by_token(db.session, token)
    if rsvp is None:
        abort(404)
    return rsvp, db.session.get(Event, rsvp.event_id)


def _manage_page(token: str, rsvp: Rsvp, event: Event, form: ManageForm, status: int = 200):
    position = (
        rsvps.waitlist_position(db.session, rsvp) if rsvp.status == RsvpStatus.WAITLISTED else None
    )
    code = checkins.code_for(rsvp)
    response = render_template(
        "rsvp/manage.html",
        token=token,
        rsvp=rsvp,
        event=event,
        form=form,
        position=position,
        checkin_code=code,
        # segno's SVG of our own code: elements and attributes only, nothing anyone typed.
        checkin_qr=Markup(qr.svg(code.replace("-", ""))) if code else None,  # noqa: S704
    )
    return response, status, {"Cache-Control": "no-store"}


@bp.get("/manage/<token>")
def manage(token: str):
    rsvp, event = _rsvp_or_404(token)
    form = ManageForm(
        formdata=None,
        data={
            "name": rsvp.name,
            "party_size": rsvp.party_size,
            # A declined role is not offered again by default.
            "role_id": 0 if rsvp.status == RsvpStatus.DECLINED else rsvp.role_id or 0,
            "wants_reminders": rsvp.wants_reminders,
        },
    )
    return _manage_page(token, rsvp, event, form.setup(event, event.roles))


@bp.post("/manage/<token>")
def update(token: str):
    return _change(token, rsvps.update_rsvp, _("Your RSVP is updated."))


@bp.post("/manage/<token>/again")
def again(token: str):
    """RSVP again, from the manage page of a cancelled or declined RSVP: the public form no
    longer revives an RSVP, so that only the link's owner can."""
    return _change(token, rsvps.rsvp_again, _("You have RSVPed again."))


def _change(token: str, action, done: str):
    """The manage form's answers given to ``action`` (change, or RSVP again); its domain
    errors go next to their fields."""
    rsvp, event = _rsvp_or_404(token)
    form = ManageForm().setup(event, event.roles)
    if form.validate():
        try:
            action(
                db.session,
                rsvp,
                party_size=form.party_size.data,
                role_id=form.role_id.data or None,
                name=form.name.data,
                wants_reminders=form.wants_reminders.data,
                now=utcnow(),
            )
        except DomainError as err:
            db.session.rollback()
            attach_error(form, err)
            rsvp, event = _rsvp_or_404(token)
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("rsvp.manage", token=token), 303)
    return _manage_page(token, rsvp, event, form, 422)


@bp.route("/manage/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    rsvp, event = _rsvp_or_404(token)
    if request.method == "POST":
        rsvps.cancel_rsvp(db.session, rsvp, utcnow())
        db.session.commit()
        flash(_("Your RSVP is cancelled. We will not email you about this event again."), "success")
        return redirect(url_for("rsvp.manage", token=token), 303)
    html = render_template("rsvp/cancel.html", token=token, rsvp=rsvp, event=event)
    return html, 200, {"Cache-Control": "no-store"}
