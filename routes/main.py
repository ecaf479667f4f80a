"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template

from models import utcnow
from routes.events import upcoming_events
from services.times import format_when

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    upcoming = upcoming_events(utcnow(), 5)
    return render_template("main/index.html", upcoming=upcoming, when=format_when)
