"""The permission checks: is the logged-in user a verified organiser (or the owner) of this
event?"""

from __future__ import annotations

from flask import abort, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from core.extensions import db
from models import Event, EventOrganiser


def require_verified() -> None:
    """Send an account whose address is not proved yet to the page that says how to prove
    it: it organises nothing until then. The caller has checked that someone is logged in."""
    if not current_user.is_verified:
        abort(redirect(url_for("auth.verify_needed"), 303))


def membership(
    user_id: int, event_id: int, *, for_update: bool = False
) -> tuple[Event, EventOrganiser] | None:
    """The event and ``user_id``'s place in its team, or None if they do not organise it:
    the one check behind the pages' ``require_organiser`` and the API's tokens."""
    query = (
        select(Event, EventOrganiser)
        .join(EventOrganiser)
        .where(Event.id == event_id, EventOrganiser.user_id == user_id)
    )
    if for_update:
        query = query.with_for_update(of=Event)
    row = db.session.execute(query).first()
    return None if row is None else (row[0], row[1])


def _membership(event_id: int, *, for_update: bool) -> tuple[Event, EventOrganiser]:
    if not current_user.is_authenticated:
        abort(404)
    require_verified()
    found = membership(current_user.id, event_id, for_update=for_update)
    if found is None:
        abort(404)
    return found


def require_organiser(event_id: int, *, for_update: bool = False) -> Event:
    """The event if the current (verified) user organises it; otherwise 404, never 403, so
    that a draft's existence is not revealed. ``for_update`` locks the row (PostgreSQL)."""
    return _membership(event_id, for_update=for_update)[0]


def require_owner(event_id: int, *, for_update: bool = False) -> Event:
    """The event if the current user owns it: who organises it and who saw its participants
    is the owner's to manage. 404 for strangers (as above), 403 for its co-organisers."""
    event, membership = _membership(event_id, for_update=for_update)
    if not membership.is_owner:
        abort(403)
    return event
