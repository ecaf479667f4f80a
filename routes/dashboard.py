"""The organiser's dashboard: their demonstrations by status."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from core.extensions import db
from models import Event, EventOrganiser, utcnow
from models.enums import EventStatus
from routes.access import require_verified

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@login_required
def index():
    require_verified()
    now = utcnow()
    groups: dict[str, list[Event]] = {
        EventStatus.DRAFT: [],
        "upcoming": [],
        "past": [],
        EventStatus.CANCELLED: [],
    }
    for event in db.session.scalars(
        select(Event)
        .join(EventOrganiser)
        .where(EventOrganiser.user_id == current_user.id)
        .order_by(Event.starts_at)
    ):
        if event.status == EventStatus.PUBLISHED:
            groups["upcoming" if event.ends_at >= now else "past"].append(event)
        else:
            groups[event.status].append(event)
    groups["past"].reverse()  # the most recent first
    return render_template("dashboard/index.html", groups=groups)
