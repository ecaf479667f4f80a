"""The live part of an event page: changes, organiser updates and the march's position."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, EventChange, MarchPosition, ScheduleItem, Waypoint
from services.live.positions import latest_positions
from services.push import urgent_banner
from services.route import Point, haversine_m
from services.times import format_time

FEED_LENGTH = 50
NEAR_M = 400  # "near Brandenburg Gate" only when it really is


def feed_data(session: Session, event: Event) -> dict:
    """Everything a participant's open page refreshes, newest first.

    Holds instants, not "3 minutes ago": the same data gives the same bytes (and ETag) all
    day, so an unchanged feed costs a 304 and proxies can share it.
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
    return {
        "revision": event.revision,
        "status": event.status,
        "updates": [
            {
                "id": change.id,
                "at": change.created_at.isoformat(),
                "time": format_time(change.created_at, event.timezone),
                "kind": change.kind,
                "is_update": change.is_update,
                "summary": change.summary,
            }
            for change in changes
        ],
        "position": position_summary(positions, waypoints),
        "urgent": urgent_banner(session, event.id),
        "schedule": [{"id": item_id, "starts_at": at.isoformat()} for item_id, at in schedule],
    }


def position_summary(
    positions: dict[str, MarchPosition], waypoints: Iterable[Waypoint]
) -> dict[str, dict]:
    """{"front": {"lat", "lon", "at", "near"}, "end": ...} for the feed and the page."""
    waypoints = list(waypoints)
    return {
        key: {
            "lat": p.lat,
            "lon": p.lon,
            "at": p.created_at.isoformat(),
            "near": _nearest_label(waypoints, Point(p.lat, p.lon)),
        }
        for key, p in positions.items()
    }


def _nearest_label(waypoints: list[Waypoint], p: Point) -> str | None:
    best = min(waypoints, key=lambda w: haversine_m(Point(w.lat, w.lon), p), default=None)
    if best is None or haversine_m(Point(best.lat, best.lon), p) > NEAR_M:
        return None
    return best.label


def position_sentence(event: Event, summary: dict[str, dict]) -> str:
    """The march's position in words, for the page as served (and without JavaScript)."""
    sentences = []
    for key, p in summary.items():
        at = format_time(datetime.fromisoformat(p["at"]), event.timezone)
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


def page_context(session: Session, event: Event) -> dict:
    """What the event page's live parts need: the feed's address, the refresh interval, the
    march's position in words and when the page last changed for participants (the newest
    change record or position; never the time it was served, so the same data gives the
    same page, and ETag, all day). Two queries; the event's waypoints and changes are
    already loaded with the page."""
    positions = latest_positions(session, event.id)
    summary = position_summary(positions, event.waypoints)
    instants = [p.created_at for p in positions.values()]
    if event.changes:
        instants.append(event.changes[0].created_at)
    return {
        "feed_url": url_for("live.feed", slug=event.slug),
        "interval": current_app.config["LIVE_POLL_SECONDS"],
        "changed_at": max(instants, default=None),
        "position_text": position_sentence(event, summary),
    }
