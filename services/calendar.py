"""Calendar files: one event (``/e/<slug>.ics``) and the feed of listed upcoming events.

Times carry the event's TZID with a VTIMEZONE, so calendars show the wall-clock time the
organisers chose even across a daylight-saving change. The UID is stable and SEQUENCE is the
event's revision, so an imported event is updated in place when the organisers change it.

Top-level beside ``urls``, not in ``services.events``: the event pages and the emails both
attach it, and the mail package may not import the events package (events → mail).

An event's file is built once per revision and language (``event_ics``: a bounded cache on
the app), since every confirmation email and every calendar download asks for it; the
VTIMEZONE is the zone's yearly rules (``services.vtimezone``), not decades of dates.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from urllib.parse import urlsplit

import icalendar
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from models import Event
from models.enums import EventStatus
from services import texts as reader_texts
from services.route import KIND_LABELS, walking_minutes
from services.texts import ReaderTexts
from services.times import to_local
from services.vtimezone import vtimezone

PRODID = "-//Rallypoint//Demonstrations//EN"
CACHE_SIZE = 256  # event files per process: a few KB each


def _host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "rallypoint.invalid"


def route_summary(event: Event, texts: ReaderTexts | None = None) -> str:
    """E.g. "Route: 1.3 km, about 26 min walking. 1. Potsdamer Platz (Assembly) ...", the
    labels in ``texts``' language (default: the one being rendered in)."""
    texts = texts or reader_texts.in_locale(event)
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
        f"{n}. {texts.waypoint(w.label)} ({KIND_LABELS.get(w.kind, w.kind)})"
        for n, w in enumerate(event.waypoints, 1)
    ]
    if event.is_step_free_available:
        lines.append(_("Step-free route available."))
    return "\n".join(lines)


def _vevent(event: Event, url: str, now: datetime, title: str | None = None) -> icalendar.Event:
    """The event as a VEVENT, its texts in the language being rendered in (``title``, an
    emailed neutral subject, replaces its title)."""
    texts = reader_texts.in_locale(event)
    item = icalendar.Event()
    item.add("uid", f"event-{event.id}@{_host()}")
    item.add("sequence", event.revision)
    item.add("dtstamp", now)
    item.add("last-modified", event.updated_at or now)
    item.add("dtstart", to_local(event.starts_at, event.timezone))
    item.add("dtend", to_local(event.ends_at, event.timezone))
    item.add("summary", title or texts.title)
    item.add("url", url)
    cancelled = event.status == EventStatus.CANCELLED
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    assembly = event.assembly_waypoint
    if assembly is not None:
        label = texts.waypoint(assembly.label)
        where = f"{label}, {event.city}" if event.city else label
        item.add("location", where)
        item.add("geo", (assembly.lat, assembly.lon))
    elif event.city:
        item.add("location", event.city)
    text = [_("Cancelled: %(reason)s", reason=event.cancel_reason)] if cancelled else []
    text += [part for part in (route_summary(event, texts), url) if part]
    item.add("description", "\n\n".join(text))
    return item


def _calendar(name: str | None = None) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _add_timezones(cal: icalendar.Calendar, events: Iterable[Event]) -> None:
    """One compact VTIMEZONE per zone the events' times name, right for their years."""
    years: dict[str, tuple[int, int]] = {}
    for event in events:
        first, last = years.get(event.timezone, (event.starts_at.year, event.ends_at.year))
        years[event.timezone] = (min(first, event.starts_at.year), max(last, event.ends_at.year))
    for tzid in sorted(cal.get_missing_tzids()):
        first, last = years[tzid]
        cal.add_component(vtimezone(tzid, first, last))


class _Files:
    """The most recently used event files of one app, shared by its threads."""

    def __init__(self) -> None:
        self._files: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            data = self._files.get(key)
            if data is not None:
                self._files.move_to_end(key)
            return data

    def put(self, key: Hashable, data: bytes) -> None:
        with self._lock:
            self._files[key] = data
            self._files.move_to_end(key)
            while len(self._files) > CACHE_SIZE:
                self._files.popitem(last=False)


def _files() -> _Files:
    return current_app.extensions.setdefault("rallypoint.calendar_files", _Files())


def _file_key(event: Event, url: str, title: str | None) -> tuple:
    """What an event's file is made of. Its route, places, times and status bump the
    revision (``services.events.changes``); the title and the translations do not, so they
    are named here, with the columns the file shows (cheap to read; rows changed outside
    the services too)."""
    texts = reader_texts.in_locale(event)
    return (
        event.id,
        event.revision,
        event.title,
        texts.title,
        tuple(sorted(texts.texts.items())),
        title,
        event.status,
        event.cancel_reason,
        event.starts_at,
        event.ends_at,
        event.timezone,
        event.city,
        event.route_length_m,
        event.is_step_free_available,
        url,
        str(get_locale()),
        current_app.config["BASE_URL"],
        current_app.config["MARCH_PACE_KMH"],
    )


def event_ics(event: Event, url: str, now: datetime, *, title: str | None = None) -> bytes:
    """The calendar file of one event, in the language being rendered in (the page's, or
    the one an email forces: its title and waypoint labels as the organisers translated
    them); ``url`` is its public page. ``title`` replaces the event's title as the summary
    (an emailed neutral subject).

    Built once per revision and language and then served from a bounded cache, so DTSTAMP
    is the ``now`` of the first build of this revision (the moment this version of the
    event was first published as a file)."""
    key = _file_key(event, url, title) if event.id is not None else None
    if key is not None and (data := _files().get(key)) is not None:
        return data
    cal = _calendar()
    cal.add("method", "PUBLISH")
    cal.add_component(_vevent(event, url, now, title=title))
    _add_timezones(cal, [event])
    data = cal.to_ical()
    if key is not None:
        _files().put(key, data)
    return data


def feed_ics(events: Iterable[Event], url_of: Callable[[Event], str], now: datetime) -> bytes:
    """One subscribable calendar of ``events`` (the caller picks listed, published,
    upcoming ones), stamped ``now``, in the language being rendered in; ``url_of`` gives
    each event's public page."""
    cal = _calendar(_("Rallypoint demonstrations"))
    events = list(events)
    for event in events:
        cal.add_component(_vevent(event, url_of(event), now))
    _add_timezones(cal, events)
    return cal.to_ical()
