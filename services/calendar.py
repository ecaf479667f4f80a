"""Calendar files: one event (``/e/<slug>.ics``) and the feed of listed upcoming events.

Times carry the event's TZID with a VTIMEZONE, so calendars show the wall-clock time the
organisers chose even across a daylight-saving change. The UID is stable and SEQUENCE is the
event's revision, so an imported event is updated in place when the organisers change it.

Top-level beside ``urls``, not in ``services.events``: the event pages and the emails both
attach it, and the mail package may not import the events package (events → mail).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import urlsplit

import icalendar
from flask import current_app
from flask_babel import gettext as _

from models import Event
from models.enums import EventStatus
from services.route import KIND_LABELS, walking_minutes
from services.times import to_local

PRODID = "-//Rallypoint//Demonstrations//EN"


def _host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "rallypoint.invalid"


def route_summary(event: Event) -> str:
    """E.g. "Route: 1.3 km, about 26 min walking. 1. Potsdamer Platz (Assembly) ..."."""
    if not event.route_length_m:
        return ""
    pace = current_app.config["MARCH_PACE_KMH"]
    minutes = walking_minutes(event.route_length_m, pace)
    lines = [
        _(
            "Route: %(km)s km, about %(minutes)d min walking.",
            km=f"{event.route_length_m / 1000:.1f}",
            minutes=minutes,
        )
    ]
    lines += [
        f"{n}. {w.label} ({KIND_LABELS.get(w.kind, w.kind)})"
        for n, w in enumerate(event.waypoints, 1)
    ]
    return "\n".join(lines)


def _vevent(event: Event, url: str, now: datetime, title: str | None = None) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", f"event-{event.id}@{_host()}")
    item.add("sequence", event.revision)
    item.add("dtstamp", now)
    item.add("last-modified", event.updated_at or now)
    item.add("dtstart", to_local(event.starts_at, event.timezone))
    item.add("dtend", to_local(event.ends_at, event.timezone))
    item.add("summary", title or event.title)
    item.add("url", url)
    cancelled = event.status == EventStatus.CANCELLED
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    assembly = event.assembly_waypoint
    if assembly is not None:
        where = f"{assembly.label}, {event.city}" if event.city else assembly.label
        item.add("location", where)
        item.add("geo", (assembly.lat, assembly.lon))
    elif event.city:
        item.add("location", event.city)
    text = [_("Cancelled: %(reason)s", reason=event.cancel_reason)] if cancelled else []
    text += [part for part in (route_summary(event), url) if part]
    item.add("description", "\n\n".join(text))
    return item


def _calendar(name: str | None = None) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def event_ics(event: Event, url: str, now: datetime, *, title: str | None = None) -> bytes:
    """The calendar file of one event, stamped ``now``; ``url`` is its public page.
    ``title`` replaces the event's title as the summary (an emailed neutral subject)."""
    cal = _calendar()
    cal.add("method", "PUBLISH")
    cal.add_component(_vevent(event, url, now, title=title))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed_ics(events: Iterable[Event], url_of: Callable[[Event], str], now: datetime) -> bytes:
    """One subscribable calendar of ``events`` (the caller picks listed, published,
    upcoming ones), stamped ``now``; ``url_of`` gives each event's public page."""
    cal = _calendar(_("Rallypoint demonstrations"))
    for event in events:
        cal.add_component(_vevent(event, url_of(event), now))
    cal.add_missing_timezones()
    return cal.to_ical()
