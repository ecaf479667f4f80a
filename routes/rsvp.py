"""RSVP and the participant's manage page (being written)."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("rsvp", __name__)


@bp.get("/manage/<token>")
def manage(token: str):
    abort(404)
