"""The event card for other websites: its snippet, a preview, and which sites may show it."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from core.extensions import db
from forms.notice import EmbedOriginsForm
from routes.access import require_organiser
from routes.organise.common import bp, page, save
from services.events import embed as embeds


@bp.route("/events/<int:event_id>/embed", methods=["GET", "POST"])
@login_required
def embed(event_id: int):
    event = require_organiser(event_id, for_update=request.method == "POST")
    form = EmbedOriginsForm(data={"origins": "\n".join(embeds.allowed_origins(db.session, event))})
    if form.validate_on_submit() and (
        done := save(
            form,
            lambda: embeds.save_origins(db.session, event, form.parsed),
            _("Saved. The card can now be shown only where you allowed it.")
            if form.parsed
            else _("Saved. Any website can show the card."),
            lambda _result: redirect(url_for("organise.embed", event_id=event.id)),
        )
    ):
        return done
    return page("embed/settings.html", form=form, event=event)
