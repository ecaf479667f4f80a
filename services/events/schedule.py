"""Where and when: an event's route (line and waypoints) and its schedule.

One module for both because they are tied: a schedule item may point at a waypoint, and
storing a new route re-links the items to the waypoints of the same label. Every function
flushes and records the change participants must hear about (``services.events.changes``);
a rule the user can break raises ``DomainError`` naming the form field.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from models import Event, RoutePoint, ScheduleItem, Waypoint
from services.errors import DomainError
from services.events import changes
from services.events.accessibility import (
    carried_places,
    carried_sections,
    store_accessibility,
    store_places,
    stored_alternative,
    stored_places,
    stored_sections,
)
from services.route import Point, Route, haversine_m, route_length_m
from services.route import Waypoint as RouteWaypoint
from services.times import to_local, to_utc

# A waypoint dragged this far, or less, keeps its schedule items even if its label changed.
FOLLOW_WITHIN_M = 150


@dataclass
class ScheduleEntry:
    """One schedule item as typed: a local wall-clock time, a title, optionally a waypoint."""

    starts_local: datetime
    title: str
    description: str = ""
    waypoint_id: int | None = None
    id: int | None = field(default=None)


def event_route(event: Event) -> Route:
    """The stored route as a ``Route``."""
    return Route(
        tuple(Point(p.lat, p.lon) for p in event.route_points),
        tuple(RouteWaypoint(w.lat, w.lon, w.kind, w.label) for w in event.waypoints),
        stored_sections(event),
        stored_alternative(event),
        stored_places(event) or None,
    )


def save_route(session: Session, event: Event, route: Route, now: datetime) -> None:
    """Replace the line and the waypoints with ``route`` (already validated by
    ``services.route``) and keep the length; schedule items follow their waypoint by label,
    marked sections their two points (``accessibility.carried_sections``, which raises
    ``DomainError`` naming a section whose points are gone). Records the change."""
    before = changes.snapshot(event)
    store_route(session, event, route)
    changes.record(session, event, before, now)


def store_route(session: Session, event: Event, route: Route) -> None:
    """Replace the line and the waypoints with ``route`` without recording a change (a new
    copy has nobody to tell); schedule items follow their waypoint (``follow_waypoints``).
    Raises ``DomainError`` before changing anything if a marked section would be lost, or a
    place beside the route would be more than 1 km from the new line."""
    sections = carried_sections(event, route)
    places = carried_places(event, route)
    old = {w.id: w for w in event.waypoints}
    links = {
        item.id: (
            old[item.waypoint_id].label,
            Point(old[item.waypoint_id].lat, old[item.waypoint_id].lon),
        )
        for item in event.schedule_items
        if item.waypoint_id in old
    }
    for item in event.schedule_items:
        item.waypoint_id = None
    event.waypoints.clear()
    session.flush()
    # Core statements: a route may have 5,000 points, too many for one ORM object each.
    session.execute(delete(RoutePoint).where(RoutePoint.event_id == event.id))
    if route.points:
        session.execute(
            insert(RoutePoint),
            [
                {"event_id": event.id, "seq": i, "lat": p.lat, "lon": p.lon}
                for i, p in enumerate(route.points)
            ],
        )
    session.expire(event, ["route_points"])
    event.waypoints.extend(
        Waypoint(seq=i, lat=w.lat, lon=w.lon, kind=w.kind, label=w.label)
        for i, w in enumerate(route.waypoints)
    )
    event.route_length_m = round(route_length_m(route.points))
    session.flush()
    store_accessibility(session, event, sections, route.alternative)
    store_places(session, event, places)
    new = [(w.id, w.label, Point(w.lat, w.lon)) for w in event.waypoints]
    for item in event.schedule_items:
        item.waypoint_id = follow_waypoint(links.get(item.id), new)
    session.flush()


@dataclass(frozen=True)
class PlaceChange:
    """What saving a route again would do to one schedule item's place: ``new_label`` is the
    label of the new waypoint it would follow (``new_number`` its place in the route, from 1),
    or None when it would have no fixed place."""

    item_id: int
    starts_at: datetime
    title: str
    old_label: str
    new_label: str | None
    new_number: int | None


def place_changes(event: Event, route: Route) -> list[PlaceChange]:
    """The schedule items that storing ``route`` would put at a waypoint of another label (the
    nearest one, see ``follow_waypoint``) or leave with no fixed place, in schedule order.
    Changes nothing: the organiser is told before the route is saved (same rule as
    ``store_route``, so what is said is what happens)."""
    old = {w.id: w for w in event.waypoints}
    new = [(n, w.label, Point(w.lat, w.lon)) for n, w in enumerate(route.waypoints, 1)]
    found = []
    for item in sorted(event.schedule_items, key=lambda i: (i.starts_at, i.id)):
        if (was := old.get(item.waypoint_id)) is None:
            continue
        number = follow_waypoint((was.label, Point(was.lat, was.lon)), new)
        label = route.waypoints[number - 1].label if number is not None else None
        if label != was.label:
            found.append(PlaceChange(item.id, item.starts_at, item.title, was.label, label, number))
    return found


def place_changes_key(found: list[PlaceChange]) -> str:
    """A short fingerprint of ``found``: the route form sends it back when the organiser
    confirms, and the route is stored only if saving it still does exactly that."""
    text = json.dumps(
        [(c.item_id, c.old_label, c.new_label, c.new_number) for c in found], ensure_ascii=False
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def follow_waypoint(old: tuple[str, Point] | None, new: list[tuple[int, str, Point]]) -> int | None:
    """Where a schedule item's place went when the route was saved again: the new waypoint
    with the old one's label, else the nearest new waypoint within ``FOLLOW_WITHIN_M`` of where
    it was (a point dragged a little, a label retyped), else none. ``old`` is the old
    waypoint's (label, position); ``new`` the new waypoints' (id, label, position)."""
    if old is None:
        return None
    label, where = old
    if label:
        for waypoint_id, new_label, _position in new:
            if new_label == label:
                return waypoint_id
    near = [(haversine_m(where, position), waypoint_id) for waypoint_id, _, position in new]
    near = [pair for pair in near if pair[0] <= FOLLOW_WITHIN_M]
    return min(near)[1] if near else None


def _schedule_values(event: Event, entry: ScheduleEntry) -> dict:
    title = (entry.title or "").strip()
    if not title:
        raise DomainError(_("Give the item a title, e.g. “March departs”."), "title")
    if entry.waypoint_id is not None and entry.waypoint_id not in {w.id for w in event.waypoints}:
        raise DomainError(_("Choose one of this route's waypoints."), "waypoint_id")
    return {
        "starts_at": to_utc(entry.starts_local, event.timezone, "time"),
        "title": title,
        "description": (entry.description or "").strip(),
        "waypoint_id": entry.waypoint_id,
    }


def save_schedule(
    session: Session, event: Event, entries: list[ScheduleEntry], now: datetime
) -> None:
    """Make the schedule exactly ``entries``: items with an ``id`` are updated, others added,
    missing ones removed. Raises ``DomainError`` (fields title, time, waypoint_id) before
    anything changes; records the change."""
    values = [(entry.id, _schedule_values(event, entry)) for entry in entries]
    before = changes.snapshot(event)
    existing = {item.id: item for item in event.schedule_items}
    kept: list[ScheduleItem] = []
    for item_id, item_values in values:
        item = existing.get(item_id) if item_id is not None else None
        if item is None:
            item = ScheduleItem(**item_values)
        else:
            for name, value in item_values.items():
                setattr(item, name, value)
        kept.append(item)
    event.schedule_items = sorted(kept, key=lambda i: i.starts_at)
    session.flush()
    changes.record(session, event, before, now)


def save_schedule_item(session: Session, event: Event, entry: ScheduleEntry, now: datetime) -> None:
    """Add ``entry`` (no ``id``) or change the item with its ``id``. Raises ``DomainError``."""
    entries = [schedule_entry(event, item) for item in event.schedule_items]
    if entry.id is None:
        entries.append(entry)
    else:
        entries = [entry if e.id == entry.id else e for e in entries]
    save_schedule(session, event, entries, now)


def delete_schedule_item(session: Session, event: Event, item_id: int, now: datetime) -> None:
    """Remove one item of the schedule (nothing if it is not this event's)."""
    save_schedule(
        session,
        event,
        [schedule_entry(event, item) for item in event.schedule_items if item.id != item_id],
        now,
    )


def schedule_entry(event: Event, item: ScheduleItem) -> ScheduleEntry:
    """A stored item as an entry with its local time."""
    local = to_local(item.starts_at, event.timezone).replace(tzinfo=None)
    return ScheduleEntry(local, item.title, item.description, item.waypoint_id, item.id)
