"""The live part of an event page: changes, organiser updates and the march's position."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, EventChange, MarchPosition, ScheduleItem, Waypoint
from services import texts as reader_texts
from services.events import page as pages
from services.events.change_text import describe
from services.live.positions import latest_positions
from services.push import urgent_banner
from services.route import Point, haversine_m
from services.texts import ReaderTexts
from services.times import format_time, format_when, to_local

FEED_LENGTH = 50
NEAR_M = 400  # "near Brandenburg Gate" only when it really is


def feed_data(session: Session, event: Event) -> dict:
    """Everything a participant's open page refreshes, newest first.

    Holds instants, not "3 minutes ago": the same data gives the same bytes (and ETag) all
    day, so an unchanged feed costs a 304 and proxies can share it. The words (``when``,
    ``assembly``, each update's ``when``, change records) are in the current language and
    the event's zone, zone named, as the page prints them: the feed's ETag and cache key
    hold the language.
    """
    changes = session.scalars(
        select(EventChange)
        .where(EventChange.event_id == event.id)
        .order_by(EventChange.id.desc())
        .limit(FEED_LENGTH)
    ).all()
    schedule = session.execute(
        select(ScheduleItem.id, ScheduleItem.starts_at)
        .where(ScheduleItem.event_id == event.id)
        .order_by(ScheduleItem.starts_at)
    ).all()
    positions = latest_positions(session, event.id)
    waypoints = (
        session.scalars(select(Waypoint).where(Waypoint.event_id == event.id)).all()
        if positions
        else []
    )
    texts = reader_texts.in_locale(event)
    return {
        "revision": event.revision,
        "status": event.status,
        "when": pages.when_line(event),
        "assembly": pages.assembly_text(event, texts),
        "updates": [
            {
                "id": change.id,
                "at": change.created_at.isoformat(),
                "time": format_time(change.created_at, event.timezone),
                "when": format_when(change.created_at, event.timezone),
                "kind": change.kind,
                "is_update": change.is_update,
                # In the request's language (the route's ETag and cache hold the language),
                # dated as the page dates it: for when the record was made.
                "summary": describe(change, now=change.created_at, texts=texts),
            }
            for change in changes
        ],
        "position": position_summary(positions, waypoints, texts),
        "urgent": urgent_banner(session, event.id),
        "schedule": [{"id": item_id, "starts_at": at.isoformat()} for item_id, at in schedule],
    }


def position_summary(
    positions: dict[str, MarchPosition],
    waypoints: Iterable[Waypoint],
    texts: ReaderTexts | None = None,
) -> dict[str, dict]:
    """{"front": {"lat", "lon", "at", "near"}, "end": ...} for the feed and the page; the
    waypoint "near" names is in ``texts``' language (none: as written)."""
    waypoints = list(waypoints)
    summary = {}
    for key, p in positions.items():
        near = _nearest_label(waypoints, Point(p.lat, p.lon))
        summary[key] = {
            "lat": p.lat,
            "lon": p.lon,
            "at": p.created_at.isoformat(),
            "near": texts.waypoint(near) if near and texts is not None else near,
        }
    return summary


def _nearest_label(waypoints: list[Waypoint], p: Point) -> str | None:
    best = min(waypoints, key=lambda w: haversine_m(Point(w.lat, w.lon), p), default=None)
    if best is None or haversine_m(Point(best.lat, best.lon), p) > NEAR_M:
        return None
    return best.label


def position_sentence(event: Event, summary: dict[str, dict]) -> str:
    """The march's position in words, for the page as served (and without JavaScript)."""
    sentences = []
    for key, p in summary.items():
        at = _clock(datetime.fromisoformat(p["at"]), event.timezone)
        if key == "front" and p["near"]:
            text = _(
                "The front of the march was near %(place)s at %(time)s.", place=p["near"], time=at
            )
        elif key == "front":
            text = _("The front of the march was on the route at %(time)s.", time=at)
        elif p["near"]:
            text = _(
                "The end of the march was near %(place)s at %(time)s.", place=p["near"], time=at
            )
        else:
            text = _("The end of the march was on the route at %(time)s.", time=at)
        sentences.append(text)
    return " ".join(sentences)


def _clock(instant: datetime, tz_name: str) -> str:
    """E.g. "14:05 CET": a time of day with its zone named (one clock per page)."""
    return f"{format_time(instant, tz_name)} {to_local(instant, tz_name).tzname()}"


def page_context(session: Session, event: Event) -> dict:
    """What the event page's live parts need: the feed's address, the refresh interval, the
    march's position in words and when the page last changed for participants (the newest
    change record or position; never the time it was served, so the same data gives the
    same page, and ETag, all day). Two queries; the event's waypoints and changes are
    already loaded with the page."""
    positions = latest_positions(session, event.id)
    summary = position_summary(positions, event.waypoints, reader_texts.in_locale(event))
    instants = [p.created_at for p in positions.values()]
    if event.changes:
        instants.append(event.changes[0].created_at)
    return {
        "feed_url": url_for("live.feed", slug=event.slug),
        "interval": current_app.config["LIVE_POLL_SECONDS"],
        "changed_at": max(instants, default=None),
        "position_text": position_sentence(event, summary),
    }
