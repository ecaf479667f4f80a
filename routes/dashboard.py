"""The organiser's dashboard: their demonstrations by status, with counts and what is next."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from core.extensions import db
from models import utcnow
from routes.access import require_verified
from services.events import dashboard

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@login_required
def index():
    require_verified()
    groups = dashboard.organiser_events(db.session, current_user.id, utcnow())
    return render_template("dashboard/index.html", groups=groups)
