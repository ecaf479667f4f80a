"""The live feed of an event page: changes, organiser updates and the march's position."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, EventChange, ScheduleItem, Waypoint
from services.geo import Point, haversine_m
from services.march import latest_positions
from services.times import format_time

FEED_LENGTH = 50


def feed(session: Session, event: Event) -> dict:
    """Everything a participant's open page refreshes, newest first.

    Holds instants, not "3 minutes ago": the same data gives the same bytes (and ETag) all
    day, so an unchanged feed costs a 304 and proxies can share it.
    """
    changes = session.scalars(
        select(EventChange)
        .where(EventChange.event_id == event.id)
        .order_by(EventChange.id.desc())
        .limit(FEED_LENGTH)
    ).all()
    schedule = session.execute(
        select(ScheduleItem.id, ScheduleItem.starts_at)
        .where(ScheduleItem.event_id == event.id)
        .order_by(ScheduleItem.starts_at)
    ).all()
    positions = latest_positions(session, event.id)
    waypoints = (
        session.scalars(select(Waypoint).where(Waypoint.event_id == event.id)).all()
        if positions
        else []
    )
    return {
        "revision": event.revision,
        "status": event.status,
        "updates": [
            {
                "id": change.id,
                "at": change.created_at.isoformat(),
                "time": format_time(change.created_at, event.timezone),
                "kind": change.kind,
                "is_update": change.is_update,
                "summary": change.summary,
            }
            for change in changes
        ],
        "position": {
            key: {
                "lat": p.lat,
                "lon": p.lon,
                "at": p.created_at.isoformat(),
                "near": _nearest_label(waypoints, Point(p.lat, p.lon)),
            }
            for key, p in positions.items()
        },
        "schedule": [{"id": item_id, "starts_at": at.isoformat()} for item_id, at in schedule],
    }


def _nearest_label(waypoints, p: Point) -> str | None:
    """The label of the named place nearest to ``p``, if one is within 400 m."""
    best = min(waypoints, key=lambda w: haversine_m(Point(w.lat, w.lon), p), default=None)
    if best is None or haversine_m(Point(best.lat, best.lon), p) > 400:
        return None
    return best.label
