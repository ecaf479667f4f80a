"""A march under way on a short stretch of Ebertstraße, for the position and live tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from models import Event, EventOrganiser, RoutePoint, Waypoint

# Potsdamer Platz → Brandenburg Gate along Ebertstraße.
LINE = [(52.5096, 13.3762), (52.5130, 13.3770), (52.5163, 13.3777)]


def march_under_way(session, owner_id: int, *, now: datetime, slug: str, with_gate: bool = False):
    """A published march that started half an hour before ``now``, with its route (and the
    Brandenburg Gate as a waypoint if ``with_gate``); committed."""
    event = Event(
        slug=slug,
        title="March",
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=2),
        timezone="Europe/Berlin",
        status="published",
    )
    session.add(event)
    session.flush()
    session.add(EventOrganiser(event_id=event.id, user_id=owner_id, is_owner=True))
    session.add_all(
        RoutePoint(event_id=event.id, seq=i, lat=a, lon=b) for i, (a, b) in enumerate(LINE)
    )
    if with_gate:
        session.add(
            Waypoint(
                event_id=event.id,
                seq=0,
                lat=52.5163,
                lon=13.3777,
                kind="stop",
                label="Brandenburg Gate",
            )
        )
    session.commit()
    return event
