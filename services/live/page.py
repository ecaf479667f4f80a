"""The reporting pages' data: the places a position can be reported at, the steward links."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, RoutePoint, StewardLink, Waypoint


@dataclass(frozen=True)
class Place:
    """A named place on the route, as a reporter picks it: ``key`` "w3", ``label`` "3. Gate"."""

    key: str
    label: str
    lat: float
    lon: float


def named_places(session: Session, event: Event) -> list[Place]:
    """The event's waypoints in walking order, numbered as the map numbers them."""
    waypoints = session.scalars(
        select(Waypoint).where(Waypoint.event_id == event.id).order_by(Waypoint.seq)
    )
    return [Place(f"w{w.id}", f"{n}. {w.label}", w.lat, w.lon) for n, w in enumerate(waypoints, 1)]


def has_route(session: Session, event: Event) -> bool:
    """Whether the event has a line to report positions on."""
    first = session.scalar(select(RoutePoint.seq).where(RoutePoint.event_id == event.id))
    return first is not None


def steward_links(session: Session, event: Event) -> list[StewardLink]:
    """The event's steward links, newest first, revoked and expired ones included."""
    return list(
        session.scalars(
            select(StewardLink)
            .where(StewardLink.event_id == event.id)
            .order_by(StewardLink.id.desc())
        )
    )
