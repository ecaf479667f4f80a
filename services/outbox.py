"""Writing email to the outbox, in the caller's transaction. The worker sends it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OutboxMessage, Suppression
from services.tokens import email_hash


def is_suppressed(session: Session, email: str) -> bool:
    return (
        session.scalar(select(Suppression.id).where(Suppression.email_hash == email_hash(email)))
        is not None
    )


def enqueue(session: Session, *, dedupe_key: str, **fields) -> OutboxMessage | None:
    """Queue one message unless one with ``dedupe_key`` exists or the address is suppressed.

    ``fields`` are ``OutboxMessage`` columns (kind, to_addr, subject, body_text, body_html,
    headers, ics, event_id, rsvp_id, change_id, next_attempt_at). Returns the new row, or None
    when nothing was queued. Flushes. Callers racing on the same key (two reminder ticks)
    are settled by the unique constraint: see ``services.reminders``.
    """
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    if fields.get("to_addr") and is_suppressed(session, fields["to_addr"]):
        return None
    message = OutboxMessage(dedupe_key=dedupe_key, **fields)
    session.add(message)
    session.flush()
    return message
