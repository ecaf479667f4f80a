"""What organisers do with a demonstration: create, edit, publish, cancel, duplicate, share it
with co-organisers, and give it a route and a schedule.

Every function changes the session and flushes; the caller commits once. A rule the user can
break raises ``DomainError`` naming the form field, before anything on the event is changed.
Changes to a published event are recorded through ``services.changes``.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import nh3
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from models import (
    Event,
    EventOrganiser,
    Role,
    RoutePoint,
    ScheduleItem,
    User,
    Waypoint,
)
from models.event import VISIBILITIES
from services.errors import DomainError
from services.events import changes
from services.route import Point, Route, route_length_m
from services.route import Waypoint as RouteWaypoint
from services.times import to_local, to_utc, zone

MAX_PARTY_SIZE = 50
_SLUG_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l/1/o/0: slugs get read aloud
_OFFSET = re.compile(r"^(\d{1,5})\s*(m|min|h|d)?$")
_UNIT_MINUTES = {"m": 1, "min": 1, "h": 60, "d": 1440}
MAX_REMINDER_MINUTES = 30 * 1440
_markdown = MarkdownIt("commonmark", {"html": False})


@dataclass
class EventDetails:
    """What the details form says, local times naive in ``timezone``."""

    title: str
    starts_local: datetime
    ends_local: datetime
    timezone: str = "Europe/Berlin"
    description_md: str = ""
    city: str = ""
    contact: str = ""
    visibility: str = "listed"
    capacity: int | None = None
    max_party_size: int = 5
    rsvp_deadline_local: datetime | None = None
    is_count_public: bool = True
    neutral_subject: str | None = None
    reminder_offsets: str = "24h, 2h"


@dataclass
class ScheduleEntry:
    """One schedule item as typed: a local wall-clock time, a title, optionally a waypoint."""

    starts_local: datetime
    title: str
    description: str = ""
    waypoint_id: int | None = None
    id: int | None = field(default=None)


def render_description(md: str) -> str:
    """Safe HTML for an event description: CommonMark without raw HTML, then sanitised."""
    return nh3.clean(_markdown.render(md or ""))


def parse_reminder_offsets(text: str) -> list[int]:
    """Minutes before the start for text like "24h, 2h" (units m, h, d; bare numbers are
    minutes), largest first. Raises ``DomainError`` on ``reminder_offsets``."""
    minutes: set[int] = set()
    for part in filter(None, (p.strip().lower() for p in (text or "").split(","))):
        match = _OFFSET.match(part)
        if not match:
            raise DomainError(
                _("“%(text)s” is not a reminder time: write e.g. “24h, 2h” or “30m”.",
                  text=part[:20]),
                "reminder_offsets",
            )
        value = int(match.group(1)) * _UNIT_MINUTES[match.group(2) or "m"]
        if not 1 <= value <= MAX_REMINDER_MINUTES:
            raise DomainError(_("Reminders can be sent from 1 minute to 30 days before."),
                              "reminder_offsets")
        minutes.add(value)
    if len(minutes) > 5:
        raise DomainError(_("Choose at most 5 reminder times."), "reminder_offsets")
    return sorted(minutes, reverse=True)


def format_reminder_offsets(minutes: list[int]) -> str:
    """The inverse of ``parse_reminder_offsets``: [1440, 120] -> "24h, 2h"."""
    return ", ".join(f"{m // 60}h" if m % 60 == 0 else f"{m}m" for m in minutes)


def make_slug(session: Session, title: str) -> str:
    """A readable, unused slug: "march-against-war-berlin-k3f9"."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].rstrip("-") or "event"
    while True:
        slug = f"{base}-{''.join(secrets.choice(_SLUG_ALPHABET) for _ in range(4))}"
        if session.scalar(select(Event.id).where(Event.slug == slug)) is None:
            return slug


def _checked(details: EventDetails) -> dict:
    """The column values for ``details``; raises ``DomainError`` before anything is set."""
    title = (details.title or "").strip()
    if not title:
        raise DomainError(_("Give the demonstration a title."), "title")
    zone(details.timezone)
    starts_at = to_utc(details.starts_local, details.timezone, "starts_at")
    ends_at = to_utc(details.ends_local, details.timezone, "ends_at")
    if ends_at <= starts_at:
        raise DomainError(_("The end must be after the start."), "ends_at")
    if details.visibility not in VISIBILITIES:
        raise DomainError(_("Choose listed or unlisted."), "visibility")
    if details.capacity is not None and details.capacity < 1:
        raise DomainError(_("Leave the capacity empty for no limit, or enter 1 or more."),
                          "capacity")
    if not 1 <= details.max_party_size <= MAX_PARTY_SIZE:
        raise DomainError(_("Choose from 1 to %(n)d people.", n=MAX_PARTY_SIZE),
                          "max_party_size")
    deadline = None
    if details.rsvp_deadline_local is not None:
        deadline = to_utc(details.rsvp_deadline_local, details.timezone, "rsvp_deadline_at")
        if deadline > ends_at:
            raise DomainError(_("The RSVP deadline must be before the end."), "rsvp_deadline_at")
    return {
        "title": title,
        "description_md": details.description_md or "",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "timezone": details.timezone,
        "city": (details.city or "").strip(),
        "contact": (details.contact or "").strip(),
        "visibility": details.visibility,
        "capacity": details.capacity,
        "max_party_size": details.max_party_size,
        "rsvp_deadline_at": deadline,
        "is_count_public": details.is_count_public,
        "neutral_subject": (details.neutral_subject or "").strip() or None,
        "reminder_offsets": parse_reminder_offsets(details.reminder_offsets),
    }


def create_event(
    session: Session, *, owner_id: int, details: EventDetails, now: datetime
) -> Event:
    """A new draft with a fresh slug, owned by ``owner_id``, made at ``now``. Raises
    ``DomainError``."""
    values = _checked(details)
    event = Event(slug=make_slug(session, values["title"]), status="draft", revision=0,
                  created_at=now, updated_at=now, **values)
    event.organisers.append(EventOrganiser(user_id=owner_id, is_owner=True))
    session.add(event)
    session.flush()
    return event


def update_event(session: Session, event: Event, details: EventDetails, now: datetime) -> None:
    """Replace the event's details; a published event records what participants must know
    (time, city). Raises ``DomainError`` and then leaves the event as it was."""
    values = _checked(details)
    before = changes.snapshot(event)
    for name, value in values.items():
        setattr(event, name, value)
    session.flush()
    changes.record(session, event, before, now)


def publish(session: Session, event: Event) -> None:
    """Make a draft public. Raises ``DomainError`` for a cancelled event."""
    if event.status == "cancelled":
        raise DomainError(_("A cancelled demonstration cannot be published again; duplicate it."))
    event.status = "published"
    session.flush()


def cancel(session: Session, event: Event, reason: str, now: datetime) -> None:
    """Cancel with a reason participants will read. Raises ``DomainError`` on ``reason``."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Tell participants why the demonstration is cancelled."), "reason")
    if event.status == "cancelled":
        raise DomainError(_("This demonstration is already cancelled."), "reason")
    before = changes.snapshot(event)
    event.status, event.cancel_reason = "cancelled", reason
    session.flush()
    changes.record(session, event, before, now)


def add_co_organiser(session: Session, event: Event, email: str) -> User:
    """Let the account with ``email`` manage the event too. Raises ``DomainError`` on
    ``email`` when no account has it or it already organises the event."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise DomainError(_("No organiser account uses that email. Ask them to sign up first."),
                          "email")
    if any(o.user_id == user.id for o in event.organisers):
        raise DomainError(_("That account already organises this demonstration."), "email")
    event.organisers.append(EventOrganiser(user_id=user.id, is_owner=False))
    session.flush()
    return user


# --- route ----------------------------------------------------------------------------------


def event_route(event: Event) -> Route:
    """The stored route as a ``services.route.Route``."""
    return Route(
        tuple(Point(p.lat, p.lon) for p in event.route_points),
        tuple(RouteWaypoint(w.lat, w.lon, w.kind, w.label) for w in event.waypoints),
    )


def save_route(session: Session, event: Event, route: Route, now: datetime) -> None:
    """Replace the line and the waypoints with ``route`` (validated by ``services.route``) and
    keep the length; schedule items follow their waypoint by label. Records the change."""
    before = changes.snapshot(event)
    _store_route(session, event, route)
    changes.record(session, event, before, now)


def _store_route(session: Session, event: Event, route: Route) -> None:
    links = {item.id: _label_of(event, item.waypoint_id) for item in event.schedule_items}
    for item in event.schedule_items:
        item.waypoint_id = None
    event.waypoints.clear()
    session.flush()
    # Core statements: a route may have 5,000 points, too many for one ORM object each.
    session.execute(delete(RoutePoint).where(RoutePoint.event_id == event.id))
    if route.points:
        session.execute(insert(RoutePoint), [
            {"event_id": event.id, "seq": i, "lat": p.lat, "lon": p.lon}
            for i, p in enumerate(route.points)
        ])
    session.expire(event, ["route_points"])
    event.waypoints.extend(
        Waypoint(seq=i, lat=w.lat, lon=w.lon, kind=w.kind, label=w.label)
        for i, w in enumerate(route.waypoints)
    )
    event.route_length_m = round(route_length_m(route.points))
    session.flush()
    by_label: dict[str, int] = {}
    for w in event.waypoints:
        by_label.setdefault(w.label, w.id)
    for item in event.schedule_items:
        item.waypoint_id = by_label.get(links.get(item.id) or "")
    session.flush()


def _label_of(event: Event, waypoint_id: int | None) -> str | None:
    return next((w.label for w in event.waypoints if w.id == waypoint_id), None)


# --- schedule -------------------------------------------------------------------------------


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


def save_schedule_item(
    session: Session, event: Event, entry: ScheduleEntry, now: datetime
) -> None:
    """Add ``entry`` (no ``id``) or change the item with its ``id``. Raises ``DomainError``."""
    entries = [schedule_entry(event, item) for item in event.schedule_items]
    if entry.id is None:
        entries.append(entry)
    else:
        entries = [entry if e.id == entry.id else e for e in entries]
    save_schedule(session, event, entries, now)


def delete_schedule_item(session: Session, event: Event, item_id: int, now: datetime) -> None:
    """Remove one item of the schedule (nothing if it is not this event's)."""
    save_schedule(session, event, [schedule_entry(event, item)
                                   for item in event.schedule_items if item.id != item_id], now)


def schedule_entry(event: Event, item: ScheduleItem) -> ScheduleEntry:
    """A stored item as an entry with its local time."""
    local = to_local(item.starts_at, event.timezone).replace(tzinfo=None)
    return ScheduleEntry(local, item.title, item.description, item.waypoint_id, item.id)


# --- duplicate ------------------------------------------------------------------------------


def duplicate(
    session: Session,
    event: Event,
    *,
    owner_id: int,
    weeks: int | None = None,
    new_date: date | None = None,
) -> Event:
    """A new draft copying details, route, waypoints, schedule, roles and organisers, its
    wall-clock times shifted by ``weeks`` or moved to ``new_date`` (the start's day).
    Raises ``DomainError`` (field ``weeks`` or ``new_date``) if neither is usable."""
    start_local = to_local(event.starts_at, event.timezone).replace(tzinfo=None)
    if new_date is not None:
        shift = timedelta(days=(new_date - start_local.date()).days)
    elif weeks:
        shift = timedelta(weeks=weeks)
    else:
        raise DomainError(_("Choose a number of weeks or a new date."), "weeks")

    def moved(instant: datetime, name: str) -> datetime:
        local = to_local(instant, event.timezone).replace(tzinfo=None) + shift
        return to_utc(local, event.timezone, name)

    copy = Event(
        slug=make_slug(session, event.title), status="draft", revision=0,
        title=event.title, description_md=event.description_md,
        starts_at=moved(event.starts_at, "new_date"), ends_at=moved(event.ends_at, "new_date"),
        timezone=event.timezone, visibility=event.visibility, city=event.city,
        contact=event.contact, capacity=event.capacity, max_party_size=event.max_party_size,
        rsvp_deadline_at=(moved(event.rsvp_deadline_at, "new_date")
                          if event.rsvp_deadline_at else None),
        is_count_public=event.is_count_public, neutral_subject=event.neutral_subject,
        reminder_offsets=list(event.reminder_offsets), route_length_m=event.route_length_m,
    )
    items = [(moved(i.starts_at, "new_date"), i) for i in event.schedule_items]
    copy.organisers = [EventOrganiser(user_id=o.user_id, is_owner=o.user_id == owner_id)
                       for o in event.organisers]
    copy.roles = [Role(seq=r.seq, name=r.name, needed=r.needed, needs_approval=r.needs_approval)
                  for r in event.roles]
    session.add(copy)
    session.flush()
    _store_route(session, copy, event_route(event))
    labels = {w.id: w.label for w in event.waypoints}
    new_ids = {w.label: w.id for w in reversed(copy.waypoints)}
    copy.schedule_items = [
        ScheduleItem(starts_at=at, title=i.title, description=i.description,
                     waypoint_id=new_ids.get(labels.get(i.waypoint_id, "")))
        for at, i in items
    ]
    session.flush()
    return copy
