"""What organisers do with a demonstration's details: create, edit, publish, cancel. Its route
and schedule are in ``schedule``, copying it in ``duplicate``, its team in ``organisers``.

Every function changes the session and flushes; the caller commits once. A rule the user can
break raises ``DomainError`` naming the form field, before anything on the event is changed.
Changes to a published event are recorded through ``services.events.changes``.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import nh3
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, EventOrganiser, ScheduleItem
from models.enums import EventStatus, Visibility
from services.errors import DomainError
from services.events import changes
from services.times import to_local, to_utc, zone

MAX_PARTY_SIZE = 50
_SLUG_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no l/1/o/0: slugs get read aloud
UNLISTED_SLUG_LENGTH = 26  # 32 symbols: 5 bits each, 130 bits in all
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
    visibility: str = Visibility.LISTED
    capacity: int | None = None
    max_party_size: int = 5
    rsvp_deadline_local: datetime | None = None
    is_count_public: bool = True
    neutral_subject: str | None = None
    reminder_offsets: str = "24h, 2h"
    # Editing: when the start moves, move the schedule items with it (same wall-clock shift).
    # The form ticks it by default; a caller that does not ask keeps the schedule as it is.
    move_schedule: bool = False


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
                _(
                    "“%(text)s” is not a reminder time: write e.g. “24h, 2h” or “30m”.",
                    text=part[:20],
                ),
                "reminder_offsets",
            )
        value = int(match.group(1)) * _UNIT_MINUTES[match.group(2) or "m"]
        if not 1 <= value <= MAX_REMINDER_MINUTES:
            raise DomainError(
                _("Reminders can be sent from 1 minute to 30 days before."), "reminder_offsets"
            )
        minutes.add(value)
    if len(minutes) > 5:
        raise DomainError(_("Choose at most 5 reminder times."), "reminder_offsets")
    return sorted(minutes, reverse=True)


def format_reminder_offsets(minutes: list[int]) -> str:
    """The inverse of ``parse_reminder_offsets``: [1440, 120] -> "24h, 2h"."""
    return ", ".join(f"{m // 60}h" if m % 60 == 0 else f"{m}m" for m in minutes)


def make_slug(session: Session, title: str, visibility: str = Visibility.LISTED) -> str:
    """An unused slug. Listed: readable, "march-against-war-berlin-k3f9". Unlisted: 26
    random characters (130 bits) and nothing of the title, since the link is all that keeps
    the event from strangers: guessing it must be hopeless, and it must not name the event
    in a history or a log."""
    if visibility == Visibility.UNLISTED:
        base, length = "", UNLISTED_SLUG_LENGTH
    else:
        ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
        slug_title = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].rstrip("-")
        base, length = f"{slug_title or 'event'}-", 4
    while True:
        slug = base + "".join(secrets.choice(_SLUG_ALPHABET) for _ in range(length))
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
    if details.visibility not in tuple(Visibility):
        raise DomainError(_("Choose listed or unlisted."), "visibility")
    if details.capacity is not None and details.capacity < 1:
        raise DomainError(
            _("Leave the capacity empty for no limit, or enter 1 or more."), "capacity"
        )
    if not 1 <= details.max_party_size <= MAX_PARTY_SIZE:
        raise DomainError(_("Choose from 1 to %(n)d people.", n=MAX_PARTY_SIZE), "max_party_size")
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


def create_event(session: Session, *, owner_id: int, details: EventDetails, now: datetime) -> Event:
    """A new draft with a fresh slug, owned by ``owner_id``, made at ``now``. Raises
    ``DomainError``."""
    values = _checked(details)
    event = Event(
        slug=make_slug(session, values["title"], values["visibility"]),
        status=EventStatus.DRAFT,
        revision=0,
        created_at=now,
        updated_at=now,
        **values,
    )
    event.organisers.append(EventOrganiser(user_id=owner_id, is_owner=True))
    session.add(event)
    session.flush()
    return event


def update_event(session: Session, event: Event, details: EventDetails, now: datetime) -> None:
    """Replace the event's details; a published event records what participants must know
    (time, city). Made unlisted, it gets a new unguessable slug and its old link stops
    working. A published event cannot move into the past: participants would be told of a
    time that has gone. Raises ``DomainError`` and then leaves the event as it was."""
    values = _checked(details)
    if event.status == EventStatus.PUBLISHED:
        for field in ("starts_at", "ends_at"):
            moved = values[field] != getattr(event, field)
            if moved and values[field] < now:
                raise DomainError(
                    _("A published demonstration cannot move into the past. Choose a later time."),
                    field,
                )
    moved_items = _moved_schedule(event, values, details.move_schedule)
    before = changes.snapshot(event)
    for item, starts_at in moved_items:
        item.starts_at = starts_at
    if values["visibility"] == Visibility.UNLISTED != event.visibility:
        # The old slug was readable and may have been listed: it stops working.
        event.slug = make_slug(session, values["title"], Visibility.UNLISTED)
    for name, value in values.items():
        setattr(event, name, value)
    session.flush()
    changes.record(session, event, before, now)


def _moved_schedule(event: Event, values: dict, move: bool) -> list[tuple[ScheduleItem, datetime]]:
    """Each schedule item with its new start, when the event's start moves and ``move`` is set:
    shifted by as much wall-clock time as the start (so 12:30 stays half an hour before a 13:00
    start across a daylight-saving change or a new zone). Raises ``DomainError`` on
    ``move_schedule`` if a shifted time does not exist in the zone."""
    if not move or not event.schedule_items:
        return []
    old_start = to_local(event.starts_at, event.timezone).replace(tzinfo=None)
    new_start = to_local(values["starts_at"], values["timezone"]).replace(tzinfo=None)
    if old_start == new_start and event.timezone == values["timezone"]:
        return []
    shift = new_start - old_start
    moved = []
    for item in event.schedule_items:
        local = to_local(item.starts_at, event.timezone).replace(tzinfo=None) + shift
        moved.append((item, to_utc(local, values["timezone"], "move_schedule")))
    return moved


def publish(session: Session, event: Event) -> None:
    """Make a draft public. Raises ``DomainError`` for a cancelled event."""
    if event.status == EventStatus.CANCELLED:
        raise DomainError(_("A cancelled demonstration cannot be published again; duplicate it."))
    event.status = EventStatus.PUBLISHED
    session.flush()


def cancel(session: Session, event: Event, reason: str, now: datetime) -> None:
    """Cancel with a reason participants will read. Raises ``DomainError`` on ``reason``."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Tell participants why the demonstration is cancelled."), "reason")
    if event.status == EventStatus.CANCELLED:
        raise DomainError(_("This demonstration is already cancelled."), "reason")
    before = changes.snapshot(event)
    event.status, event.cancel_reason = EventStatus.CANCELLED, reason
    session.flush()
    changes.record(session, event, before, now)
