"""What participants must hear about: a published event's time, place, route, schedule or
status changed. ``snapshot`` before a save, ``record`` after it; ``compare`` is the pure part
that words the differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from models import Event, EventChange
from services import notify
from services.times import to_local

Spot = tuple[str, float, float]  # label, lat, lon


@dataclass(frozen=True)
class Snapshot:
    """The participant-relevant state of an event at one moment."""

    status: str
    cancel_reason: str | None
    starts_at: datetime
    ends_at: datetime
    timezone: str
    city: str
    assembly: Spot | None
    points: tuple[tuple[float, float], ...]
    waypoints: tuple[tuple[str, str, float, float], ...]  # kind, label, lat, lon
    route_length_m: int
    end_label: str | None
    schedule: tuple[tuple[int, datetime, str, str | None], ...]  # id, start, title, waypoint


def snapshot(event: Event) -> Snapshot:
    """The event as participants see it now (loads its route and schedule)."""
    waypoints = list(event.waypoints)
    assembly = next((w for w in waypoints if w.kind == "assembly"), None)
    end = next((w for w in reversed(waypoints) if w.kind == "end"), None)
    labels = {w.id: w.label for w in waypoints}
    return Snapshot(
        status=event.status,
        cancel_reason=event.cancel_reason,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        city=event.city,
        assembly=(assembly.label, assembly.lat, assembly.lon) if assembly else None,
        points=tuple((p.lat, p.lon) for p in event.route_points),
        waypoints=tuple((w.kind, w.label, w.lat, w.lon) for w in waypoints),
        route_length_m=event.route_length_m,
        end_label=(end or waypoints[-1]).label if waypoints else None,
        schedule=tuple(
            (i.id, i.starts_at, i.title, labels.get(i.waypoint_id))
            for i in sorted(event.schedule_items, key=lambda i: (i.starts_at, i.id or 0))
        ),
    )


def _day(instant: datetime, tz: str) -> str:
    local = to_local(instant, tz)
    return f"{local:%A} {local.day} {local:%B}"


def _clock(instant: datetime, tz: str) -> str:
    return f"{to_local(instant, tz):%H:%M}"


def _moved(what: str, old: datetime, old_tz: str, new: datetime, new_tz: str) -> str | None:
    before, after = (_day(old, old_tz), _clock(old, old_tz)), (_day(new, new_tz),
                                                                _clock(new, new_tz))
    if before == after:
        return None
    if before[0] == after[0]:
        return f"{what} moved from {before[1]} to {after[1]} ({after[0]})."
    return f"{what} moved from {before[0]}, {before[1]} to {after[0]}, {after[1]}."


def compare(old: Snapshot, new: Snapshot) -> list[tuple[str, str]]:
    """(kind, summary) for each kind of change from ``old`` to ``new``, worded for
    participants, in the order time, place, route, schedule, status."""
    found: list[tuple[str, str]] = []
    times = [
        _moved("Start", old.starts_at, old.timezone, new.starts_at, new.timezone),
        _moved("End", old.ends_at, old.timezone, new.ends_at, new.timezone),
    ]
    if any(times):
        found.append(("time", " ".join(t for t in times if t)))

    places: list[str] = []
    if old.city != new.city:
        places.append(f"City changed from {old.city or 'none'} to {new.city or 'none'}.")
    if old.assembly != new.assembly:
        if new.assembly is None:
            places.append("The assembly point was removed.")
        elif old.assembly and old.assembly[0] == new.assembly[0]:
            places.append(f"Assembly point moved: {new.assembly[0]} is at a new spot on the map.")
        else:
            places.append(f"Assembly point moved to {new.assembly[0]}.")
    if places:
        found.append(("place", " ".join(places)))

    if old.points != new.points or old.waypoints != new.waypoints:
        if not new.points:
            found.append(("route", "Route removed."))
        else:
            ends = f", ends at {new.end_label}" if new.end_label else ""
            found.append(("route", f"Route changed: now {new.route_length_m / 1000:.1f} km{ends}."))

    if parts := _schedule_parts(old, new):
        found.append(("schedule", "Schedule changed: " + "; ".join(parts) + "."))

    if old.status != "cancelled" and new.status == "cancelled":
        found.append(("status", f"Cancelled: {new.cancel_reason}"))
    return found


def _schedule_parts(old: Snapshot, new: Snapshot) -> list[str]:
    tz = new.timezone
    before = {item[0]: item for item in old.schedule}
    after = {item[0]: item for item in new.schedule}
    parts: list[str] = []
    for item_id, (_, at, title, place) in after.items():
        if item_id not in before:
            parts.append(f"{_clock(at, tz)} {title} added")
            continue
        _, old_at, old_title, old_place = before[item_id]
        if _clock(old_at, tz) != _clock(at, tz) or _day(old_at, tz) != _day(at, tz):
            parts.append(f"{title} moved from {_clock(old_at, tz)} to {_clock(at, tz)}")
        if old_title != title:
            parts.append(f"{_clock(at, tz)} “{old_title}” is now “{title}”")
        if old_place != place:
            parts.append(f"{_clock(at, tz)} {title} now at {place or 'no fixed place'}")
    parts.extend(f"{_clock(at, tz)} {title} removed"
                 for item_id, (_, at, title, _) in before.items() if item_id not in after)
    return parts


def record(session: Session, event: Event, before: Snapshot) -> list[EventChange]:
    """If ``event`` was published at ``before``, store one ``EventChange`` per kind of
    change, bump the revision once and queue the emails; drafts record nothing."""
    if before.status != "published":
        return []
    found = compare(before, snapshot(event))
    if not found:
        return []
    event.revision += 1
    rows = [EventChange(event_id=event.id, revision=event.revision, kind=kind, summary=summary)
            for kind, summary in found]
    session.add_all(rows)
    session.flush()
    # The relationship is ordered newest first; without this a page rendered in the same
    # session would show the list as it was before.
    session.expire(event, ["changes"])
    notify.event_changed(session, event, rows)
    return rows
