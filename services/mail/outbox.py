"""Writing email to the outbox, in the caller's transaction. The worker sends it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OutboxMessage, Suppression
from models.enums import OutboxStatus
from services.tokens import email_hash, legacy_email_hash


def _keys(email: str) -> tuple[str, str]:
    # Suppressions written before keyed hashes are unsalted SHA-256 and cannot be re-keyed
    # without the address: both forms are checked, so no old suppression is lost.
    return email_hash(email), legacy_email_hash(email)


def is_suppressed(session: Session, email: str) -> bool:
    return (
        session.scalar(select(Suppression.id).where(Suppression.email_hash.in_(_keys(email))))
        is not None
    )


def enqueue(session: Session, *, dedupe_key: str, now: datetime, **fields) -> OutboxMessage | None:
    """Queue one message, written and due at ``now``, unless one with ``dedupe_key`` exists or
    the address is suppressed.

    ``fields`` are ``OutboxMessage`` columns (kind, to_addr, subject, body_text, body_html,
    headers, ics, event_id, rsvp_id, change_id, next_attempt_at). Returns the new row, or None
    when nothing was queued. Flushes. Callers racing on the same key (two reminder ticks)
    are settled by the unique constraint: see ``services.reminders``.
    """
    fields.setdefault("next_attempt_at", now)
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return None
    if fields.get("to_addr") and is_suppressed(session, fields["to_addr"]):
        return None
    message = OutboxMessage(dedupe_key=dedupe_key, created_at=now, **fields)
    session.add(message)
    session.flush()
    return message


def enqueue_many(session: Session, rows: list[dict], now: datetime) -> int:
    """Queue many messages at once, written and due at ``now`` (each a dict of
    ``OutboxMessage`` columns including ``dedupe_key``), skipping suppressed addresses and keys
    that exist already.

    Uses ``INSERT ... ON CONFLICT (dedupe_key) DO NOTHING``, so two workers inserting the same
    keys at the same moment (two reminder ticks) settle it in the database instead of one of
    them failing. Returns how many rows were inserted.
    """
    if not rows:
        return 0
    keys = {r["to_addr"]: _keys(r["to_addr"]) for r in rows if r.get("to_addr")}
    wanted = {key for pair in keys.values() for key in pair}
    suppressed = set(
        session.scalars(select(Suppression.email_hash).where(Suppression.email_hash.in_(wanted)))
    )
    rows = [r for r in rows if not r.get("to_addr") or suppressed.isdisjoint(keys[r["to_addr"]])]
    if not rows:
        return 0
    values = [
        {
            "status": OutboxStatus.QUEUED,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "body_html": "",
            "headers": {},
            **r,
        }
        for r in rows
    ]
    insert = _dialect_insert(session)
    statement = insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = session.execute(statement.returning(OutboxMessage.id), values)
    return len(result.all())


def _dialect_insert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
