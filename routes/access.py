"""The one permission check: is the logged-in user an organiser of this event?"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from core.extensions import db
from models import Event, EventOrganiser


def require_organiser(event_id: int, *, for_update: bool = False) -> Event:
    """The event if the current user organises it; otherwise 404, never 403, so that a
    draft's existence is not revealed. ``for_update`` locks the row (PostgreSQL)."""
    if not current_user.is_authenticated:
        abort(404)
    query = (
        select(Event)
        .join(EventOrganiser)
        .where(Event.id == event_id, EventOrganiser.user_id == current_user.id)
    )
    if for_update:
        query = query.with_for_update(of=Event)
    event = db.session.scalar(query)
    if event is None:
        abort(404)
    return event
