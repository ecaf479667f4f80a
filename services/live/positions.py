"""Where is the march now? Positions reported by organisers and stewards, snapped to the route
(the geometry is `services.route`'s).

A position never records who reported it. Stewards report through private links
(``StewardLink``) that expire; only the links' hashes are stored.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, MarchPosition, RoutePoint, StewardLink
from models.enums import EventStatus
from services.errors import DomainError
from services.route import Point, snap_to_route

MAX_OFF_ROUTE_M = 300  # farther than this from the line is a mistake, not the march
MIN_REPORT_INTERVAL = timedelta(seconds=10)  # per event and per front/end
# People gather before the start; a report days before is a mistake that would show as "now".
REPORTS_OPEN_BEFORE_START = timedelta(hours=1)


def _metres(value: float) -> str:
    """A whole number of metres as the language writes it ("1,234" or "1.234")."""
    return format_decimal(round(value))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_steward_link(
    session: Session, event: Event, *, label: str, now: datetime, hours: int = 12
) -> str:
    """A new private link for stewards of ``event``, valid for ``hours``; returns the token
    (shown once to the organiser, stored only as a hash). Flushes."""
    if not 1 <= hours <= 72:
        raise DomainError(_("A steward link lasts between 1 and 72 hours."), "hours")
    token = secrets.token_urlsafe(32)
    session.add(
        StewardLink(
            event_id=event.id,
            label=label.strip()[:60] or "Stewards",
            token_hash=_hash(token),
            expires_at=now + timedelta(hours=hours),
            created_at=now,
        )
    )
    session.flush()
    return token


def revoke_steward_link(session: Session, event: Event, link_id: int, now: datetime) -> bool:
    """End a steward link of ``event`` at once (again is harmless). False if ``event`` has no
    link ``link_id``: the caller answers "not found", whoever's link the id is."""
    link = session.get(StewardLink, link_id)
    if link is None or link.event_id != event.id:
        return False
    if link.revoked_at is None:
        link.revoked_at = now
    return True


def steward_link(session: Session, token: str, now: datetime) -> StewardLink | None:
    """The steward link ``token`` opens at ``now``, or None if it is unknown, expired or
    revoked."""
    if not token or len(token) > 100:
        return None
    link = session.scalar(select(StewardLink).where(StewardLink.token_hash == _hash(token)))
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        return None
    return link


def event_for_steward(session: Session, token: str, now: datetime) -> Event | None:
    """The event a steward link opens, or None if the link is unknown, expired or revoked."""
    link = steward_link(session, token, now)
    return session.get(Event, link.event_id) if link is not None else None


def report_position(
    session: Session, event: Event, *, lat: float, lon: float, is_front: bool, now: datetime
) -> MarchPosition:
    """Record where the march's front (or end) is, snapped onto the route. Flushes.

    Raises ``DomainError`` when the event is not on (not published, or ``now`` is not between
    ``REPORTS_OPEN_BEFORE_START`` before its start and its end), has no route, the position is
    not a coordinate, is more than ``MAX_OFF_ROUTE_M`` from the route, or comes within
    ``MIN_REPORT_INTERVAL`` of the previous report.
    """
    if event.status != EventStatus.PUBLISHED:
        raise DomainError(_("This demonstration is not taking place, so it has no position."))
    if not event.starts_at - REPORTS_OPEN_BEFORE_START <= now <= event.ends_at:
        raise DomainError(
            _("Positions can be reported from an hour before the start until the end.")
        )
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise DomainError(_("That is not a position on Earth."), "position")
    points = [
        Point(rp.lat, rp.lon)
        for rp in session.scalars(
            select(RoutePoint).where(RoutePoint.event_id == event.id).order_by(RoutePoint.seq)
        )
    ]
    if len(points) < 2:
        raise DomainError(_("This demonstration has no route yet."))
    seq, distance, snapped = snap_to_route(points, Point(lat, lon))
    if distance > MAX_OFF_ROUTE_M:
        raise DomainError(
            _(
                "That position is %(metres)s m from the route. Report it from the route, "
                "or pick the nearest place from the list.",
                metres=_metres(distance),
            ),
            "position",
        )
    last = session.scalar(
        select(MarchPosition.created_at)
        .where(MarchPosition.event_id == event.id, MarchPosition.is_front.is_(is_front))
        .order_by(MarchPosition.created_at.desc())
        .limit(1)
    )
    if last is not None and now - last < MIN_REPORT_INTERVAL:
        raise DomainError(_("A position was reported a moment ago. Try again in a few seconds."))
    position = MarchPosition(
        event_id=event.id,
        lat=round(snapped.lat, 6),
        lon=round(snapped.lon, 6),
        seq_on_route=seq,
        is_front=is_front,
        created_at=now,
    )
    session.add(position)
    session.flush()
    return position


def latest_positions(session: Session, event_id: int) -> dict[str, MarchPosition]:
    """The newest front and end positions of the event: {"front": ..., "end": ...}."""
    result: dict[str, MarchPosition] = {}
    for is_front, key in ((True, "front"), (False, "end")):
        position = session.scalar(
            select(MarchPosition)
            .where(MarchPosition.event_id == event_id, MarchPosition.is_front.is_(is_front))
            .order_by(MarchPosition.created_at.desc())
            .limit(1)
        )
        if position is not None:
            result[key] = position
    return result
