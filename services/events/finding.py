"""Finding events for the public pages: one by its address or short link, the listings and
their search, and the calendar feed. Drafts never, unlisted events only by their address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from core.database import unicode_lower
from models import Event, EventTranslation
from models.enums import EventStatus, Visibility


def event_for_page(session: Session, slug: str) -> Event | None:
    """The event at ``slug`` with everything its page shows, in one query per collection."""
    return session.scalar(
        select(Event)
        .where(Event.slug == slug)
        .options(
            selectinload(Event.route_points),
            selectinload(Event.waypoints),
            selectinload(Event.sections),
            selectinload(Event.schedule_items),
            selectinload(Event.changes),
            selectinload(Event.translations),
            selectinload(Event.text_translations),
            selectinload(Event.roles),
        )
    )


def public_event(session: Session, slug: str) -> Event | None:
    """The published or cancelled event at ``slug``; None for a draft, whose existence stays
    private."""
    return session.scalar(
        select(Event).where(
            Event.slug == slug, Event.status.in_((EventStatus.PUBLISHED, EventStatus.CANCELLED))
        )
    )


def event_for_short_code(session: Session, code: str) -> Event | None:
    """The listed, published or cancelled event whose short link is ``code``; None for a
    draft or an unlisted event (its 26-character slug is its only way in)."""
    return session.scalar(
        select(Event).where(
            Event.short_code == code.lower(),
            Event.visibility == Visibility.LISTED,
            Event.status.in_((EventStatus.PUBLISHED, EventStatus.CANCELLED)),
        )
    )


def _public() -> Select:
    return select(Event).where(
        Event.status == EventStatus.PUBLISHED, Event.visibility == Visibility.LISTED
    )


def matching(q: str):
    """The condition "``q`` is in the title, in a translated title or in the city", case
    ignored in any script ("берлин" finds "Марш в Берлине"): the listing's and the API's
    search."""
    pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

    def contains(column):
        return unicode_lower(column).like(pattern, escape="\\")

    translated = select(EventTranslation.id).where(
        EventTranslation.event_id == Event.id, contains(EventTranslation.title)
    )
    return or_(contains(Event.title), contains(Event.city), translated.exists())


def _filtered(query: Select, q: str) -> Select:
    return query.where(matching(q)) if q else query


def upcoming_events(
    session: Session, now: datetime, limit: int, offset: int = 0, q: str = ""
) -> list[Event]:
    """Listed published events that have not ended at ``now``, soonest first, filtered by
    ``q`` (``matching``), their translations loaded."""
    query = _filtered(_public().where(Event.ends_at >= now), q)
    return list(
        session.scalars(
            query.options(selectinload(Event.translations))
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
            .offset(offset)
        )
    )


def past_events(
    session: Session, now: datetime, limit: int, offset: int = 0, q: str = ""
) -> list[Event]:
    """Listed published events that ended before ``now``, latest first, filtered by ``q``."""
    query = _filtered(_public().where(Event.ends_at < now), q)
    return list(
        session.scalars(
            query.options(selectinload(Event.translations))
            .order_by(Event.starts_at.desc(), Event.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def feed_events(session: Session, now: datetime, limit: int = 500) -> list[Event]:
    """The calendar feed's events: listed, published, not ended; waypoints loaded."""
    return list(
        session.scalars(
            _public()
            .where(Event.ends_at >= now)
            .options(
                selectinload(Event.waypoints),
                selectinload(Event.translations),
                selectinload(Event.text_translations),
            )
            .order_by(Event.starts_at)
            .limit(limit)
        )
    )
