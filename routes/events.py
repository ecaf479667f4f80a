"""Public event pages (being written)."""

from __future__ import annotations

from flask import Blueprint, abort

bp = Blueprint("events", __name__)


@bp.get("/e/<slug>")
def show(slug: str):
    abort(404)
