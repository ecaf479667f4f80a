"""Stopping mail: the one-click unsubscribe of one RSVP, and "never email me again"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import OutboxMessage, Rsvp, Suppression
from models.enums import OutboxStatus
from services.tokens import email_hash


def stop_mail(session: Session, rsvp: Rsvp) -> None:
    """No more reminders or updates for ``rsvp``; its queued ones are dropped. Idempotent.

    The RSVP itself stands: unsubscribing is not cancelling.
    """
    rsvp.wants_reminders = False
    rsvp.wants_updates = False
    _drop_queued(session, OutboxMessage.rsvp_id == rsvp.id)
    session.flush()


def suppress(session: Session, email: str, now: datetime) -> None:
    """Never email ``email`` again, from any event, from ``now``: its hash joins the
    suppression list and every queued message to it is dropped. Idempotent."""
    digest = email_hash(email)
    if session.scalar(select(Suppression.id).where(Suppression.email_hash == digest)) is None:
        session.add(Suppression(email_hash=digest, created_at=now))
    _drop_queued(session, OutboxMessage.to_addr == email.strip().lower())
    session.flush()


def _drop_queued(session: Session, condition) -> None:
    session.execute(
        update(OutboxMessage)
        .where(condition, OutboxMessage.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.DROPPED, last_error="unsubscribed")
        .execution_options(synchronize_session=False)
    )
