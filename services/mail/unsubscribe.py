"""Stopping mail: the one-click unsubscribe of one RSVP, and "never email me again".

Unsubscribe links carry their own token (``services.tokens.unsubscribe_token``): it stops
mail and does nothing else; the manage token does not unsubscribe.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from models import OutboxMessage, Rsvp, Suppression
from models.enums import OutboxStatus
from services import tokens


def rsvp_by_unsubscribe_token(session: Session, token: str) -> Rsvp | None:
    """The RSVP an unsubscribe link was made for; None for any other token (a manage or
    confirm token among them), a forged or purged one. A forged token costs no query."""
    salt = tokens.unsubscribe_salt(token)
    if salt is None:
        return None
    return session.scalar(select(Rsvp).where(Rsvp.token_salt == salt, Rsvp.purged_at.is_(None)))


def stop_mail(session: Session, rsvp: Rsvp) -> None:
    """No more reminders or updates for ``rsvp``; its queued ones are dropped. Idempotent.

    The RSVP itself stands: unsubscribing is not cancelling.
    """
    rsvp.wants_reminders = False
    rsvp.wants_updates = False
    _drop_queued(session, OutboxMessage.rsvp_id == rsvp.id)
    session.flush()


def suppress(session: Session, email: str, now: datetime) -> None:
    """Never email ``email`` again, from any event, from ``now``: its keyed hash joins the
    suppression list (an unsalted row of the same address, from before keyed hashes, is
    re-keyed now that the address is at hand) and every queued message to it is dropped.
    Idempotent."""
    digest = tokens.email_hash(email)
    session.execute(
        delete(Suppression).where(Suppression.email_hash == tokens.legacy_email_hash(email))
    )
    if session.scalar(select(Suppression.id).where(Suppression.email_hash == digest)) is None:
        session.add(Suppression(email_hash=digest, created_at=now))
    _drop_queued(session, OutboxMessage.to_addr == tokens.normalise_email(email))
    session.flush()


def _drop_queued(session: Session, condition) -> None:
    session.execute(
        update(OutboxMessage)
        .where(condition, OutboxMessage.status == OutboxStatus.QUEUED)
        .values(status=OutboxStatus.DROPPED, last_error="unsubscribed")
        .execution_options(synchronize_session=False)
    )
