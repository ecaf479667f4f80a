"""Writing email to the outbox, in the caller's transaction, and forgetting it once sent.
The worker sends it, transactional mail first (``priority_of``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from models import Event, OutboxMessage, Suppression
from models.enums import MailKind, MailPriority, OutboxStatus
from services.tokens import email_hash, legacy_email_hash

# Mail to many of an event's participants at once. Everything else (a link someone just
# asked for, an unknown kind included) is transactional and goes before any of it, so a
# confirmation is not stuck behind an update to 100,000 people.
BULK_KINDS = frozenset(
    {MailKind.EVENT_CHANGED, MailKind.EVENT_CANCELLED, MailKind.ORGANISER_UPDATE, MailKind.REMINDER}
)
# Rows whose fate is settled: nothing will send them any more.
SETTLED = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.DROPPED)


def priority_of(kind: str) -> MailPriority:
    """The order a message of ``kind`` is sent in: bulk after transactional."""
    return MailPriority.BULK if kind in BULK_KINDS else MailPriority.TRANSACTIONAL


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
    fields["priority"] = priority_of(fields.get("kind", ""))
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
            "priority": priority_of(r.get("kind", "")),
        }
        for r in rows
    ]
    insert = _dialect_insert(session)
    statement = insert(OutboxMessage).on_conflict_do_nothing(index_elements=["dedupe_key"])
    result = session.execute(statement.returning(OutboxMessage.id), values)
    return len(result.all())


def forget_sent_mail(
    session: Session, *, now: datetime, body_days: int, row_days: int, limit: int = 1000
) -> int:
    """One step of forgetting settled mail (sent, failed, dropped) at ``now``: up to ``limit``
    rows older than ``body_days`` lose their bodies, calendar and headers, and up to
    ``limit`` rows older than ``row_days`` are deleted, if they may be (below). Returns how
    many rows were touched: call it again, each time in a transaction of its own, until it
    returns less than ``limit``.

    A row is deleted only when its ``dedupe_key`` can never be written again, or the message
    would go out twice: reminder keys (``reminder:{rsvp}:{offset}:{start}``) recur as long as
    their event may still start, so a row tied to an event goes only once that event has
    ended; rows of no event (account mail) carry a random key. Status and ``change_id`` stay
    until the row goes, so delivery counts per change are right until then.
    """
    old = now - timedelta(days=body_days)
    bodies = select(OutboxMessage.id).where(
        OutboxMessage.status.in_(SETTLED),
        OutboxMessage.created_at < old,
        (OutboxMessage.body_text != "")
        | (OutboxMessage.body_html != "")
        | OutboxMessage.ics.is_not(None),
    )
    ids = list(session.scalars(bodies.limit(limit)))
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(body_text="", body_html="", ics=None, headers={})
            .execution_options(synchronize_session=False)
        )
    cutoff = now - timedelta(days=row_days)
    ended = select(Event.id).where(Event.ends_at < cutoff)
    gone = select(OutboxMessage.id).where(
        OutboxMessage.status.in_(SETTLED),
        OutboxMessage.created_at < cutoff,
        OutboxMessage.event_id.is_(None) | OutboxMessage.event_id.in_(ended),
    )
    doomed = list(session.scalars(gone.limit(limit)))
    if doomed:
        session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.id.in_(doomed))
            .execution_options(synchronize_session=False)
        )
    return max(len(ids), len(doomed))


def _dialect_insert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
