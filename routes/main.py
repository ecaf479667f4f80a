"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template

from routes.events import upcoming_events
from services.times import format_when

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return render_template("main/index.html", upcoming=upcoming_events(5), when=format_when)
