"""The demonstration's team: co-organisers, added by their account's email."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from core.extensions import db
from forms.event import CoOrganiserForm
from models import EventOrganiser, User
from routes.access import require_organiser
from routes.organise.common import bp, page, save
from services import events


@bp.route("/events/<int:event_id>/organisers", methods=["GET", "POST"])
@login_required
def organisers(event_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = CoOrganiserForm()
    if form.validate_on_submit() and (
        done := save(
            form,
            lambda: events.add_co_organiser(db.session, event, form.email.data),
            lambda user: _("%(name)s can now organise this demonstration.", name=user.display_name),
            lambda _user: redirect(url_for(".organisers", event_id=event.id)),
        )
    ):
        return done
    team = db.session.execute(
        select(User.display_name, User.email, EventOrganiser.is_owner)
        .join(EventOrganiser, EventOrganiser.user_id == User.id)
        .where(EventOrganiser.event_id == event.id)
        .order_by(EventOrganiser.is_owner.desc(), User.display_name)
    ).all()
    return page("organise/organisers.html", form=form, event=event, team=team)
