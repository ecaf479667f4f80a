"""The organise blueprint and the skeleton its form views share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.extensions import db
from forms.errors import attach_error
from models import utcnow
from services.errors import DomainError
from services.events import changes
from services.times import format_time, to_local

bp = Blueprint("organise", __name__, url_prefix="/organise")


def save(
    form,
    action: Callable[[], Any],
    message: str | Callable[[Any], str],
    then: Callable[[Any], Response],
    *,
    event=None,
) -> Response | None:
    """Run the service call ``action``, commit, flash ``message`` and return ``then``'s
    redirect; ``message`` and ``then`` may read what ``action`` returned (the new event, say).
    With ``event``, also says when participants will be told of a change that waits.

    A ``DomainError`` rolls back, shows on ``form`` and returns None: the view shows the form
    again (``page``), and nothing is stored.
    """
    try:
        result = action()
    except DomainError as err:
        db.session.rollback()
        attach_error(form, err)
        return None
    db.session.commit()
    flash(message(result) if callable(message) else message, "success")
    if event is not None:
        flash_notice(event)
    return then(result)


def flash_notice(event) -> None:
    """ "Participants will be told at 14:05 CET.", when a change notice of ``event`` waits
    (the overview has "send now" and what they will read)."""
    pending = changes.pending_notice(db.session, event.id)
    if pending is not None and pending.run_after > utcnow():
        local = to_local(pending.run_after, event.timezone)
        flash(
            _(
                "Participants will be told at %(time)s %(zone)s. Until then you can correct "
                "the change, or send it now from the overview.",
                time=format_time(pending.run_after, event.timezone),
                zone=local.tzname(),
            ),
            "info",
        )


def page(template: str, **context):
    """A form page: 200 when first shown, 422 when shown again with errors."""
    return render_template(template, **context), 200 if request.method == "GET" else 422


def to_overview(event_id: int) -> Response:
    return redirect(url_for("organise.overview", event_id=event_id))
