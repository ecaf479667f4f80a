"""Reminders before a demonstration, found by the worker's tick and written to the outbox.

Nothing is stored ahead of time: each tick computes which reminders are due from the event's
current ``starts_at`` (``reminder_times.due_offset``), so a moved start needs no rescheduling,
and the outbox's unique ``dedupe_key`` (which holds the start instant) makes each reminder go
out once however many workers tick at the same moment.

The email confirming a place (a confirmation, an approval, a promotion) says the reminders
due around it (``reminder_times``): their keys are in the outbox already, so the tick passes
those RSVPs by. A reminder that falls due while that email is still waiting to be sent is
recorded the same way instead of being queued:
the participant gets the one email, with the day, the time and the place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, literal, select, update
from sqlalchemy.orm import Session, selectinload

from models import Event, OutboxMessage, Rsvp
from models.enums import EventStatus, MailKind, OutboxStatus, RsvpStatus
from models.outbox import status_is
from services.mail import notify, outbox
from services.mail.reminder_times import due_offset

__all__ = ["CHUNK", "Cursor", "due_offset", "queue_due_reminders", "queue_reminder_chunk"]

log = logging.getLogger(__name__)

# Events further ahead than the longest offset anyone would choose need no look.
_HORIZON = timedelta(days=30)


# Reminders written per transaction by the worker: a tick with 10,000 due is twenty short
# steps between which mail goes out, not one long transaction that holds up everything.
CHUNK = 500


@dataclass(frozen=True)
class Cursor:
    """Where a tick left off: the last RSVP considered, of the event being worked through."""

    event_id: int
    rsvp_id: int


def queue_due_reminders(session: Session, now: datetime) -> int:
    """Write all the reminders due at ``now`` to the outbox in the caller's transaction:
    ``queue_reminder_chunk`` until done. Returns how many were queued."""
    queued, cursor = queue_reminder_chunk(session, now)
    while cursor is not None:
        more, cursor = queue_reminder_chunk(session, now, after=cursor)
        queued += more
    return queued


def queue_reminder_chunk(
    session: Session, now: datetime, *, after: Cursor | None = None, limit: int = CHUNK
) -> tuple[int, Cursor | None]:
    """Write up to ``limit`` of the reminders due at ``now`` to the outbox: for published
    events, for confirmed RSVPs that want reminders, except RSVPs made after the reminder's
    moment (their confirmation said it all). A reminder already in the outbox (or said by
    the email confirming the place, ``reminder_times``) is not queued again; one due for an
    RSVP whose such email is still waiting is recorded as said by it, not queued. A tick starts
    with ``after=None``, which also drops queued reminders that no longer apply, and goes on
    with the returned cursor, each chunk in a transaction of its own, until the cursor is
    None. Returns (how many were queued, the cursor).

    A template error for one event is logged and that event skipped; the others still go.
    """
    if after is None:
        drop_stale_reminders(session)
    events = session.scalars(
        select(Event)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at <= now + _HORIZON,
            Event.id >= (after.event_id if after else 0),
        )
        .order_by(Event.id)
        .options(selectinload(Event.waypoints))
    ).all()
    queued, budget = 0, limit
    for event in events:
        offset = due_offset(event, now)
        if offset is None:
            continue
        start = after.rsvp_id if after and after.event_id == event.id else 0
        rsvps = _due_rsvps(session, event, offset, after_rsvp=start, limit=budget)
        try:
            with session.begin_nested():
                waiting = _confirmations_waiting(session, event, rsvps)
                rows = [
                    notify.reminder_row(event, rsvp, offset, now)
                    for rsvp in rsvps
                    if rsvp.id not in waiting
                ]
                queued += outbox.enqueue_many(session, rows, now)
                folded = [r for r in rsvps if r.id in waiting]
                outbox.enqueue_many(
                    session, notify.folded_reminder_rows(event, folded, [offset]), now
                )
        except Exception:
            # One broken template must not stop every other event's reminders.
            log.exception("reminders for event %s failed", event.id)
            continue
        budget -= len(rsvps)
        if budget == 0:
            return queued, Cursor(event.id, rsvps[-1].id)
    return queued, None


def _confirmations_waiting(session: Session, event: Event, rsvps: list[Rsvp]) -> set[int]:
    """The ids of ``rsvps`` (confirmed) whose email confirming the place (where the RSVP
    stands, or the promotion) is still in the outbox, unsent."""
    if not rsvps:
        return set()
    return set(
        session.scalars(
            select(OutboxMessage.rsvp_id).where(
                OutboxMessage.event_id == event.id,  # indexed: the event's mail only
                OutboxMessage.rsvp_id.in_([r.id for r in rsvps]),
                OutboxMessage.kind.in_((MailKind.RSVP_RECEIVED, MailKind.RSVP_PROMOTED)),
                OutboxMessage.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING)),
            )
        )
    )


def _due_rsvps(
    session: Session, event: Event, offset: int, *, after_rsvp: int, limit: int
) -> list[Rsvp]:
    key = (
        literal("reminder:")
        + cast(Rsvp.id, String)
        + literal(f":{offset}:{int(event.starts_at.timestamp())}")
    )
    # The unique index on dedupe_key answers "already queued?" for every RSVP in one query,
    # so a tick during the hours a reminder is due costs almost nothing once it is queued.
    # Suppressed addresses are found again each tick (they are skipped when inserting); the
    # cursor, not the outbox, is what moves a tick past them.
    return list(
        session.scalars(
            select(Rsvp)
            .outerjoin(OutboxMessage, OutboxMessage.dedupe_key == key)
            .where(
                Rsvp.event_id == event.id,
                Rsvp.id > after_rsvp,
                Rsvp.status == RsvpStatus.CONFIRMED,
                Rsvp.wants_reminders.is_(True),
                Rsvp.email.is_not(None),
                Rsvp.created_at <= event.starts_at - timedelta(minutes=offset),
                OutboxMessage.id.is_(None),
            )
            .order_by(Rsvp.id)
            .limit(limit)
        )
    )


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
        .where(OutboxMessage.kind == MailKind.REMINDER, status_is(OutboxStatus.QUEUED))
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
