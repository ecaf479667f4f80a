"""Forgetting participants: names and emails go a set number of days after an event ends,
and RSVPs never confirmed from their email go entirely after ``RSVP_CONFIRM_HOURS``.

Counts stay (the RSVP rows remain, with party size, role and status), so an organiser can
still see how many came. Mail to those participants is dropped if unsent and erased if sent:
its address, body and errors could name them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from models import Event, OutboxMessage, Rsvp
from models.enums import OutboxStatus, RsvpStatus

UNSENT = (OutboxStatus.QUEUED, OutboxStatus.SENDING)


def purge_ended_events(session: Session, *, now: datetime, retention_days: int) -> int:
    """Erase the email and name of every RSVP to an event that ended more than
    ``retention_days`` before ``now``, and erase their mail (unsent mail is dropped).
    Idempotent; returns how many RSVPs were erased by this call.
    """
    cutoff = now - timedelta(days=retention_days)
    ended = select(Event.id).where(Event.ends_at < cutoff)
    ids = list(
        session.scalars(select(Rsvp.id).where(Rsvp.event_id.in_(ended), Rsvp.purged_at.is_(None)))
    )
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        session.execute(
            update(Rsvp)
            .where(Rsvp.id.in_(batch))
            .values(email=None, name=None, purged_at=now)
            .execution_options(synchronize_session=False)
        )
        erase_outbox(session, batch)
    # Mail tied to the event but no longer to an RSVP (one an organiser removed) goes too.
    _erase(session, OutboxMessage.event_id.in_(ended))
    session.expire_all()
    return len(ids)


def expire_unconfirmed(session: Session, *, now: datetime, hours: int) -> int:
    """Erase every RSVP still unconfirmed ``hours`` after it was sent, with its mail: the
    rows go, so nothing is left of an address someone else may have typed. Run by the
    worker each round; idempotent. Returns how many RSVPs were erased."""
    cutoff = now - timedelta(hours=hours)
    ids = list(
        session.scalars(
            select(Rsvp.id).where(Rsvp.status == RsvpStatus.UNCONFIRMED, Rsvp.created_at <= cutoff)
        )
    )
    erase_rsvps(session, ids)
    return len(ids)


def erase_rsvps(session: Session, rsvp_ids: Sequence[int]) -> None:
    """Delete these RSVPs and every outbox row written to them (sent or not)."""
    for start in range(0, len(rsvp_ids), 500):
        batch = list(rsvp_ids[start : start + 500])
        session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.rsvp_id.in_(batch))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(Rsvp).where(Rsvp.id.in_(batch)).execution_options(synchronize_session=False)
        )
    if rsvp_ids:
        session.expire_all()


def erase_outbox(session: Session, rsvp_ids: Sequence[int]) -> None:
    """Drop unsent mail to these RSVPs and erase address, body and errors of all of it."""
    if rsvp_ids:
        _erase(session, OutboxMessage.rsvp_id.in_(list(rsvp_ids)))


def _erase(session: Session, condition) -> None:
    session.execute(
        update(OutboxMessage)
        .where(condition, OutboxMessage.status.in_(UNSENT))
        .values(status=OutboxStatus.DROPPED)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(OutboxMessage)
        .where(condition)
        .values(to_addr=None, body_text="", body_html="", ics=None, last_error=None, headers={})
        .execution_options(synchronize_session=False)
    )
