"""What participants see of an event, as data: ``snapshot`` takes it at one moment,
``compare`` finds the differences between two (pure), which ``services.events.changes``
records and ``services.events.change_text`` words per reader. A snapshot is also stored as
JSON with a waiting notice (``FanoutJob.base``): the event as participants knew it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models import Event
from models.enums import ChangeKind, EventStatus, WaypointKind
from models.route import assembly_waypoint
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

    def to_json(self) -> dict:
        """The snapshot as JSON-safe data (instants as ISO 8601), for ``FanoutJob.base``."""
        return {
            "status": self.status,
            "cancel_reason": self.cancel_reason,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "timezone": self.timezone,
            "city": self.city,
            "assembly": list(self.assembly) if self.assembly else None,
            "points": [list(p) for p in self.points],
            "waypoints": [list(w) for w in self.waypoints],
            "route_length_m": self.route_length_m,
            "end_label": self.end_label,
            "schedule": [
                [i, at.isoformat(), title, place] for i, at, title, place in self.schedule
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> Snapshot:
        return cls(
            status=data["status"],
            cancel_reason=data["cancel_reason"],
            starts_at=datetime.fromisoformat(data["starts_at"]),
            ends_at=datetime.fromisoformat(data["ends_at"]),
            timezone=data["timezone"],
            city=data["city"],
            assembly=tuple(data["assembly"]) if data["assembly"] else None,
            points=tuple(tuple(p) for p in data["points"]),
            waypoints=tuple(tuple(w) for w in data["waypoints"]),
            route_length_m=data["route_length_m"],
            end_label=data["end_label"],
            schedule=tuple(
                (i, datetime.fromisoformat(at), title, place)
                for i, at, title, place in data["schedule"]
            ),
        )


def snapshot(event: Event) -> Snapshot:
    """The event as participants see it now (loads its route and schedule)."""
    waypoints = list(event.waypoints)
    assembly = assembly_waypoint(waypoints)
    end = next((w for w in reversed(waypoints) if w.kind == WaypointKind.END), None)
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


def _wall(instant: datetime, tz: str) -> tuple:
    """What a reader sees of an instant: its day and minute in the zone."""
    local = to_local(instant, tz)
    return local.date(), local.hour, local.minute


def _moved(what: str, old: datetime, old_tz: str, new: datetime, new_tz: str) -> dict | None:
    if _wall(old, old_tz) == _wall(new, new_tz):
        return None
    return {
        "what": what,
        "old": old.isoformat(),
        "old_tz": old_tz,
        "new": new.isoformat(),
        "tz": new_tz,
    }


Found = list[tuple[str, list[dict]]]


def compare(old: Snapshot, new: Snapshot) -> Found:
    """(kind, facts) for each kind of change from ``old`` to ``new``, in the order time,
    place, route, schedule, status. The facts are JSON-safe data (``EventChange.data``),
    worded by ``change_text.describe_facts``."""
    found: Found = []
    times = [
        _moved("start", old.starts_at, old.timezone, new.starts_at, new.timezone),
        _moved("end", old.ends_at, old.timezone, new.ends_at, new.timezone),
    ]
    if any(times):
        found.append((ChangeKind.TIME, [t for t in times if t]))

    places: list[dict] = []
    if old.city != new.city:
        places.append({"what": "city", "old": old.city, "new": new.city})
    if old.assembly != new.assembly:
        places.append(
            {
                "what": "assembly",
                "old": old.assembly[0] if old.assembly else None,
                "new": new.assembly[0] if new.assembly else None,
            }
        )
    if places:
        found.append((ChangeKind.PLACE, places))

    if old.points != new.points or old.waypoints != new.waypoints:
        if not new.points:
            found.append((ChangeKind.ROUTE, [{"what": "route_removed"}]))
        else:
            fact = {"what": "route", "length_m": new.route_length_m, "end": new.end_label}
            found.append((ChangeKind.ROUTE, [fact]))

    if parts := _schedule_parts(old, new):
        found.append(
            (ChangeKind.SCHEDULE, [{"what": "schedule", "tz": new.timezone, "parts": parts}])
        )

    if old.status != EventStatus.CANCELLED and new.status == EventStatus.CANCELLED:
        found.append((ChangeKind.STATUS, [{"what": "cancelled", "reason": new.cancel_reason}]))
    return found


def _schedule_parts(old: Snapshot, new: Snapshot) -> list[dict]:
    tz = new.timezone
    before = {item[0]: item for item in old.schedule}
    after = {item[0]: item for item in new.schedule}
    parts: list[dict] = []
    for item_id, (_id, at, title, place) in after.items():
        if item_id not in before:
            parts.append({"part": "added", "item": item_id, "at": at.isoformat(), "title": title})
            continue
        _id, old_at, old_title, old_place = before[item_id]
        if _wall(old_at, tz) != _wall(at, tz):
            parts.append(
                {
                    "part": "moved",
                    "item": item_id,
                    "title": title,
                    "old": old_at.isoformat(),
                    "new": at.isoformat(),
                }
            )
        if old_title != title:
            parts.append(
                {
                    "part": "renamed",
                    "item": item_id,
                    "at": at.isoformat(),
                    "old": old_title,
                    "new": title,
                }
            )
        if old_place != place:
            parts.append(
                {
                    "part": "place",
                    "item": item_id,
                    "at": at.isoformat(),
                    "title": title,
                    "place": place,
                }
            )
    parts.extend(
        {"part": "removed", "item": item_id, "at": at.isoformat(), "title": title}
        for item_id, (_id, at, title, _place) in before.items()
        if item_id not in after
    )
    return parts
