"""Reminders before a demonstration, found by the worker's tick and written to the outbox.

Nothing is stored ahead of time: each tick computes which reminders are due from the event's
current ``starts_at``, so a moved start needs no rescheduling, and the outbox's unique
``dedupe_key`` (which holds the start instant) makes each reminder go out once however many
workers tick at the same moment.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import String, cast, literal, select, update
from sqlalchemy.orm import Session, selectinload

from models import Event, OutboxMessage, Rsvp
from models.enums import EventStatus, OutboxStatus, RsvpStatus
from services.mail import notify, outbox

log = logging.getLogger(__name__)

# Events further ahead than the longest offset anyone would choose need no look.
_HORIZON = timedelta(days=30)


def due_offset(event: Event, now: datetime) -> int | None:
    """The reminder offset (minutes) of ``event`` due at ``now``, or None.

    An offset is due once ``starts_at - offset`` has passed and until the start. When several
    are due (a worker that was down), only the latest one counts: a participant should not get
    "tomorrow" and "in two hours" together.
    """
    if not now < event.starts_at:
        return None
    due = [
        offset
        for offset in event.reminder_offsets or []
        if event.starts_at - timedelta(minutes=offset) <= now
    ]
    return min(due) if due else None


def queue_due_reminders(session: Session, now: datetime) -> int:
    """Write the reminders due at ``now`` to the outbox: for published events, for confirmed
    RSVPs that want reminders, except RSVPs made after the reminder's moment (their
    confirmation said it all). Returns how many were queued; a reminder already in the outbox
    is not queued again. Also drops queued reminders that no longer apply.

    A template error for one event is logged and that event skipped; the others still go.
    """
    drop_stale_reminders(session)
    events = session.scalars(
        select(Event)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at <= now + _HORIZON,
        )
        .options(selectinload(Event.waypoints))
    ).all()
    queued = 0
    for event in events:
        offset = due_offset(event, now)
        if offset is None:
            continue
        try:
            with session.begin_nested():
                queued += _queue_for_event(session, event, offset, now)
        except Exception:
            # One broken template must not stop every other event's reminders.
            log.exception("reminders for event %s failed", event.id)
    return queued


def _queue_for_event(session: Session, event: Event, offset: int, now: datetime) -> int:
    key = (
        literal("reminder:")
        + cast(Rsvp.id, String)
        + literal(f":{offset}:{int(event.starts_at.timestamp())}")
    )
    # The unique index on dedupe_key answers "already queued?" for every RSVP in one query,
    # so a tick during the hours a reminder is due costs almost nothing once it is queued.
    rsvps = session.scalars(
        select(Rsvp)
        .outerjoin(OutboxMessage, OutboxMessage.dedupe_key == key)
        .where(
            Rsvp.event_id == event.id,
            Rsvp.status == RsvpStatus.CONFIRMED,
            Rsvp.wants_reminders.is_(True),
            Rsvp.email.is_not(None),
            Rsvp.created_at <= event.starts_at - timedelta(minutes=offset),
            OutboxMessage.id.is_(None),
        )
        .order_by(Rsvp.id)
    ).all()
    rows = [notify.reminder_row(event, rsvp, offset, now) for rsvp in rsvps]
    return outbox.enqueue_many(session, rows, now)


def drop_stale_reminders(session: Session) -> int:
    """Mark queued reminders ``dropped`` when they no longer apply: the event is no longer
    published, its start moved (the key holds the old start), or the RSVP is no longer
    confirmed or stopped reminders. Returns how many were dropped."""
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.dedupe_key,
            Event.status,
            Event.starts_at,
            Rsvp.status,
            Rsvp.wants_reminders,
        )
        .join(Event, Event.id == OutboxMessage.event_id)
        .join(Rsvp, Rsvp.id == OutboxMessage.rsvp_id)
        .where(OutboxMessage.kind == "reminder", OutboxMessage.status == OutboxStatus.QUEUED)
    ).all()
    stale = [
        row_id
        for row_id, key, event_status, starts_at, rsvp_status, wants in rows
        if event_status != EventStatus.PUBLISHED
        or not key.endswith(f":{int(starts_at.timestamp())}")
        or rsvp_status != RsvpStatus.CONFIRMED
        or not wants
    ]
    if stale:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(stale), OutboxMessage.status == OutboxStatus.QUEUED)
            .values(status=OutboxStatus.DROPPED, last_error="no longer applies")
        )
    return len(stale)
