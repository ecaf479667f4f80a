"""What participants must hear about: a published event's time, place, route, schedule or
status changed. ``snapshot`` before a save, ``record`` after it; ``compare`` is the pure part
that words the differences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Event, EventChange
from models.enums import ChangeKind, EventStatus, WaypointKind
from models.route import assembly_waypoint
from services.mail import notify
from services.times import format_day, format_time

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


def _moved(what: str, old: datetime, old_tz: str, new: datetime, new_tz: str) -> str | None:
    """``what`` is "start" or "end"; each sentence is one message for translators."""
    before = (format_day(old, old_tz), format_time(old, old_tz))
    after = (format_day(new, new_tz), format_time(new, new_tz))
    if before == after:
        return None
    if before[0] == after[0]:
        words = {"old": before[1], "new": after[1], "day": after[0]}
        if what == "start":
            return _("Start moved from %(old)s to %(new)s (%(day)s).", **words)
        return _("End moved from %(old)s to %(new)s (%(day)s).", **words)
    words = {"old_day": before[0], "old": before[1], "new_day": after[0], "new": after[1]}
    if what == "start":
        return _("Start moved from %(old_day)s, %(old)s to %(new_day)s, %(new)s.", **words)
    return _("End moved from %(old_day)s, %(old)s to %(new_day)s, %(new)s.", **words)


def compare(old: Snapshot, new: Snapshot) -> list[tuple[str, str]]:
    """(kind, summary) for each kind of change from ``old`` to ``new``, worded for
    participants in the current request's language (the summaries are stored as text), in
    the order time, place, route, schedule, status."""
    found: list[tuple[str, str]] = []
    times = [
        _moved("start", old.starts_at, old.timezone, new.starts_at, new.timezone),
        _moved("end", old.ends_at, old.timezone, new.ends_at, new.timezone),
    ]
    if any(times):
        found.append((ChangeKind.TIME, " ".join(t for t in times if t)))

    places: list[str] = []
    if old.city != new.city:
        places.append(
            _(
                "City changed from %(old)s to %(new)s.",
                old=old.city or _("none"),
                new=new.city or _("none"),
            )
        )
    if old.assembly != new.assembly:
        if new.assembly is None:
            places.append(_("The assembly point was removed."))
        elif old.assembly and old.assembly[0] == new.assembly[0]:
            places.append(
                _(
                    "Assembly point moved: %(place)s is at a new spot on the map.",
                    place=new.assembly[0],
                )
            )
        else:
            places.append(_("Assembly point moved to %(place)s.", place=new.assembly[0]))
    if places:
        found.append((ChangeKind.PLACE, " ".join(places)))

    if old.points != new.points or old.waypoints != new.waypoints:
        if not new.points:
            found.append((ChangeKind.ROUTE, _("Route removed.")))
        else:
            km = f"{new.route_length_m / 1000:.1f}"
            summary = (
                _("Route changed: now %(km)s km, ends at %(end)s.", km=km, end=new.end_label)
                if new.end_label
                else _("Route changed: now %(km)s km.", km=km)
            )
            found.append((ChangeKind.ROUTE, summary))

    if parts := _schedule_parts(old, new):
        summary = _("Schedule changed: %(parts)s.", parts="; ".join(parts))
        found.append((ChangeKind.SCHEDULE, summary))

    if old.status != EventStatus.CANCELLED and new.status == EventStatus.CANCELLED:
        found.append((ChangeKind.STATUS, _("Cancelled: %(reason)s", reason=new.cancel_reason)))
    return found


def _schedule_parts(old: Snapshot, new: Snapshot) -> list[str]:
    tz = new.timezone
    before = {item[0]: item for item in old.schedule}
    after = {item[0]: item for item in new.schedule}
    parts: list[str] = []
    for item_id, (_id, at, title, place) in after.items():
        if item_id not in before:
            parts.append(_("%(time)s %(title)s added", time=format_time(at, tz), title=title))
            continue
        _id, old_at, old_title, old_place = before[item_id]
        moved = (format_day(old_at, tz), format_time(old_at, tz)) != (
            format_day(at, tz),
            format_time(at, tz),
        )
        if moved:
            parts.append(
                _(
                    "%(title)s moved from %(old)s to %(new)s",
                    title=title,
                    old=format_time(old_at, tz),
                    new=format_time(at, tz),
                )
            )
        if old_title != title:
            parts.append(
                _(
                    "%(time)s “%(old)s” is now “%(new)s”",
                    time=format_time(at, tz),
                    old=old_title,
                    new=title,
                )
            )
        if old_place != place:
            parts.append(
                _(
                    "%(time)s %(title)s now at %(place)s",
                    time=format_time(at, tz),
                    title=title,
                    place=place or _("no fixed place"),
                )
            )
    parts.extend(
        _("%(time)s %(title)s removed", time=format_time(at, tz), title=title)
        for item_id, (_id, at, title, _place) in before.items()
        if item_id not in after
    )
    return parts


def record(session: Session, event: Event, before: Snapshot, now: datetime) -> list[EventChange]:
    """If ``event`` was published at ``before``, store one ``EventChange`` per kind of
    change made at ``now``, bump the revision once and queue the notice (one fan-out job,
    whatever the number of participants: the worker writes the emails); drafts record
    nothing."""
    if before.status != EventStatus.PUBLISHED:
        return []
    found = compare(before, snapshot(event))
    if not found:
        return []
    event.revision += 1
    rows = [
        EventChange(
            event_id=event.id, revision=event.revision, kind=kind, summary=summary, created_at=now
        )
        for kind, summary in found
    ]
    session.add_all(rows)
    session.flush()
    # The relationship is ordered newest first; without this a page rendered in the same
    # session would show the list as it was before.
    session.expire(event, ["changes"])
    notify.event_changed(session, event, rows, now)
    return rows


def post_update(
    session: Session, event: Event, message: str, *, include_waitlist: bool, now: datetime
) -> EventChange:
    """The organisers' own message: shown in the event page's updates and emailed to everyone
    confirmed (and the waitlist if asked) by the worker, from one fan-out job. Flushes."""
    change = EventChange(
        event_id=event.id,
        revision=event.revision,
        created_at=now,
        kind=ChangeKind.UPDATE,
        summary=message.strip(),
        is_update=True,
    )
    session.add(change)
    session.flush()
    session.expire(event, ["changes"])
    notify.organiser_update(session, event, change, now, include_waitlist=include_waitlist)
    return change
