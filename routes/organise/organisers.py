"""The demonstration's team: the owner invites co-organisers by email and removes them, a
co-organiser can leave, and the invitee accepts from the emailed link. The owner also reads
the access log: who viewed or exported the attendee list."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from core.extensions import db, limiter
from forms.event import ActionForm
from forms.organisers import InviteForm
from models import Event, utcnow
from routes.access import require_organiser, require_owner
from routes.auth import account_email_limit, email_key
from routes.organise.common import bp, page, save, to_overview
from services import events
from services.errors import DomainError
from services.events import access_log
from services.events import organisers as teams


def _team_page(event, form: InviteForm):
    members = teams.team(db.session, event)
    is_owner = any(m.user_id == current_user.id and m.is_owner for m in members)
    return page(
        "organise/organisers.html",
        form=form,
        action_form=ActionForm(),
        event=event,
        team=members,
        is_owner=is_owner,
        invitations=teams.pending_invitations(db.session, event) if is_owner else [],
        now=utcnow(),
    )


@bp.get("/events/<int:event_id>/organisers")
@login_required
def organisers(event_id: int):
    return _team_page(require_organiser(event_id), InviteForm(formdata=None))


@bp.post("/events/<int:event_id>/organisers")
@login_required
@limiter.limit(account_email_limit, key_func=email_key)
def invite(event_id: int):
    event = require_owner(event_id, for_update=True)
    form = InviteForm()
    if form.validate_on_submit() and (
        done := save(
            form,
            lambda: events.invite(
                db.session, event, email=form.email.data, inviter=current_user, now=utcnow()
            ),
            # The same words whether or not the address has an account.
            _(
                "We emailed an invitation to %(email)s. It works for %(days)d days, for the "
                "account with that address.",
                email=form.email.data.strip(),
                days=teams.INVITATION_DAYS,
            ),
            lambda _none: redirect(url_for(".organisers", event_id=event.id), 303),
        )
    ):
        return done
    return _team_page(event, form)


def _team_action(event, action, message: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action()
    except DomainError as err:
        db.session.rollback()
        flash(str(err), "error")
    else:
        db.session.commit()
        flash(message, "success")


@bp.post("/events/<int:event_id>/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(event_id: int, invitation_id: int):
    event = require_owner(event_id, for_update=True)
    _team_action(
        event,
        lambda: events.revoke_invitation(db.session, event, invitation_id),
        _("Invitation withdrawn: its link no longer works."),
    )
    return redirect(url_for(".organisers", event_id=event.id), 303)


@bp.post("/events/<int:event_id>/organisers/<int:user_id>/remove")
@login_required
def remove_organiser(event_id: int, user_id: int):
    event = require_owner(event_id, for_update=True)
    _team_action(
        event,
        lambda: events.remove_organiser(db.session, event, user_id),
        _("Removed: they can no longer see or change this demonstration."),
    )
    return redirect(url_for(".organisers", event_id=event.id), 303)


@bp.post("/events/<int:event_id>/leave")
@login_required
def leave(event_id: int):
    event = require_organiser(event_id, for_update=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        events.leave(db.session, event, current_user.id)
    except DomainError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for(".organisers", event_id=event.id), 303)
    db.session.commit()
    flash(_("You no longer organise “%(title)s”.", title=event.title), "success")
    return redirect(url_for("dashboard.index"), 303)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def invitation(token: str):
    """The link from the invitation email. The GET shows what accepting means and whether
    this account may; the POST accepts (mail scanners open links, they do not press
    buttons)."""
    now = utcnow()
    found = teams.invitation_for_token(db.session, token, now)
    if found is None:
        return render_template("organise/invitation_invalid.html"), 404
    event = db.session.get(Event, found.event_id)
    form = ActionForm()
    may_accept = teams.may_accept(found, current_user)
    if form.validate_on_submit():
        if not may_accept:
            abort(403)
        events.accept(db.session, token, current_user, now)
        db.session.commit()
        flash(_("You now organise “%(title)s”.", title=event.title), "success")
        return to_overview(event.id)
    response = render_template(
        "organise/invitation.html", form=form, event=event, may_accept=may_accept
    )
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/events/<int:event_id>/access-log")
@login_required
def access(event_id: int):
    event = require_owner(event_id)
    return render_template(
        "organise/access_log.html", event=event, lines=access_log.entries(db.session, event)
    )
