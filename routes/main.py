"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template

from core.extensions import db
from models import utcnow
from services.events import finding

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    upcoming = finding.upcoming_events(db.session, utcnow(), 5)
    return render_template("main/index.html", upcoming=upcoming)
