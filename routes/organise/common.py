"""The organise blueprint and the skeleton its form views share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from core.extensions import db
from forms.errors import attach_error
from services.errors import DomainError

bp = Blueprint("organise", __name__, url_prefix="/organise")


def save(
    form,
    action: Callable[[], Any],
    message: str | Callable[[Any], str],
    then: Callable[[Any], Response],
) -> Response | None:
    """Run the service call ``action``, commit, flash ``message`` and return ``then``'s
    redirect; ``message`` and ``then`` may read what ``action`` returned (the new event, say).

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
    return then(result)


def page(template: str, **context):
    """A form page: 200 when first shown, 422 when shown again with errors."""
    return render_template(template, **context), 200 if request.method == "GET" else 422


def to_overview(event_id: int) -> Response:
    return redirect(url_for("organise.overview", event_id=event_id))
