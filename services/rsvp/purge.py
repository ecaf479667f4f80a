"""Forgetting participants: names and emails go a set number of days after an event ends, or
at once when its organisers erase them after the event; RSVPs never confirmed from their
email go entirely after ``RSVP_CONFIRM_HOURS``.

Counts stay (the RSVP rows remain, with party size, role and status), so an organiser can
still see how many came; who was checked in, and when, goes with the names. Mail to those
participants is dropped if unsent and erased if sent: its address, body and errors could
name them; so is a password-reset mail once its link has expired. What is erased must not
linger elsewhere either: the development mailbox's copies are deleted (``erase_mailbox``),
SQLite zeroes what it deletes (``secure_delete``, set on every connection by
``core.database``), and ``checkpoint`` empties its write-ahead log, which still holds the
pages as they were before.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Engine, Select, delete, func, select, update
from sqlalchemy.orm import Session

from models import CheckIn, Event, OutboxMessage, PushSubscription, Rsvp
from models.counts import move_counts, role_key
from models.enums import OutboxStatus, RsvpStatus
from services.accounts.password_reset import MAX_AGE_SECONDS as RESET_LINK_SECONDS
from services.accounts.signup import MAX_AGE_SECONDS as SIGNUP_LINK_SECONDS
from services.errors import DomainError
from services.mail.transports import mailbox_messages, remove_mailbox_files

log = logging.getLogger(__name__)

UNSENT = (OutboxStatus.QUEUED, OutboxStatus.SENDING)
RESET_MAIL_KIND = "password_reset"
# Mail to organisers and invitees, each kept while its link can still be used. (An
# invitation's week is repeated here: the events package may import this one, not back.)
ACCOUNT_MAIL_SECONDS = {
    RESET_MAIL_KIND: RESET_LINK_SECONDS,
    "account_no_account": RESET_LINK_SECONDS,
    "account_verify": SIGNUP_LINK_SECONDS,
    "account_exists": SIGNUP_LINK_SECONDS,
    "invitation_organise": 7 * 24 * 3600,
}
_BATCH = 500


def purge(
    session: Session, *, now: datetime, retention_days: int, mailbox: Path | None = None
) -> int:
    """Everything the daily purge forgets at ``now``: the participants of events that ended
    more than ``retention_days`` before, reset mails whose link has expired, and then the
    copies of all erased mail in the development ``mailbox`` folder, if given. Idempotent;
    returns how many RSVPs were erased by this call. Call ``checkpoint`` after the commit."""
    count = purge_ended_events(session, now=now, retention_days=retention_days)
    erase_expired_reset_mail(session, now=now)
    if mailbox is not None:
        erase_mailbox(session, mailbox)
    return count


def purge_ended_events(session: Session, *, now: datetime, retention_days: int) -> int:
    """Erase the email and name of every RSVP to an event that ended more than
    ``retention_days`` before ``now``, and erase their mail (unsent mail is dropped).
    Idempotent; returns how many RSVPs were erased by this call.
    """
    cutoff = now - timedelta(days=retention_days)
    return _erase_participants(session, select(Event.id).where(Event.ends_at < cutoff), now)


def erase_participants_now(session: Session, event: Event, *, now: datetime) -> int:
    """What the purge erases for ``event``, at once: its organisers' choice once it is over.
    Returns how many RSVPs were erased. Raises ``DomainError`` when it has not ended at
    ``now`` (participants still need their links)."""
    if event.ends_at > now:
        raise DomainError(
            _("You can erase the participants' details once the demonstration is over.")
        )
    return _erase_participants(session, select(Event.id).where(Event.id == event.id), now)


def _erase_participants(session: Session, events: Select, now: datetime) -> int:
    ids = list(
        session.scalars(select(Rsvp.id).where(Rsvp.event_id.in_(events), Rsvp.purged_at.is_(None)))
    )
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        session.execute(
            update(Rsvp)
            .where(Rsvp.id.in_(batch))
            .values(email=None, name=None, purged_at=now)
            .execution_options(synchronize_session=False)
        )
        erase_outbox(session, batch)
    # Mail tied to the event but no longer to an RSVP (one an organiser removed) goes too.
    _erase(session, OutboxMessage.event_id.in_(events))
    # Who was checked in on the day, when and by which steward link: personal data too.
    session.execute(delete(CheckIn).where(CheckIn.event_id.in_(events)))
    # Phones that asked for the event's alerts: their push addresses (and pending retries).
    session.execute(delete(PushSubscription).where(PushSubscription.event_id.in_(events)))
    session.expire_all()
    return len(ids)


def erase_expired_reset_mail(session: Session, *, now: datetime) -> None:
    """Erase password-reset, sign-up and invitation mails whose link has expired at ``now``:
    they hold an organiser's or invitee's address, and nothing in them works any more."""
    for kind, seconds in ACCOUNT_MAIL_SECONDS.items():
        _erase(
            session,
            (OutboxMessage.kind == kind)
            & (OutboxMessage.created_at < now - timedelta(seconds=seconds))
            & OutboxMessage.to_addr.is_not(None),
        )


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
    """Delete these RSVPs and every outbox row written to them (sent or not), and take
    them out of their event's counters (a bulk delete passes the ORM's listeners by)."""
    for start in range(0, len(rsvp_ids), 500):
        batch = list(rsvp_ids[start : start + 500])
        gone = session.execute(
            select(
                Rsvp.event_id, Rsvp.role_id, Rsvp.status, func.count(), func.sum(Rsvp.party_size)
            )
            .where(Rsvp.id.in_(batch))
            .group_by(Rsvp.event_id, Rsvp.role_id, Rsvp.status)
        )
        move_counts(
            session.connection(),
            {(e, role_key(r), status): (-n, -p) for e, r, status, n, p in gone},
        )
        session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.rsvp_id.in_(batch))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(CheckIn)
            .where(CheckIn.rsvp_id.in_(batch))
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


def _erase(session: Session, condition: ColumnElement[bool]) -> None:
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


def erase_mailbox(session: Session, directory: Path) -> int:
    """Delete the development mailbox's copies of erased mail (outbox rows whose address is
    gone). A file is matched by its row's id and creation instant, so a mailbox kept across
    a fresh database loses nothing of the new one's mail. Returns how many were deleted."""
    files: dict[int, list[tuple[Path, int]]] = {}
    for path, row_id, created in mailbox_messages(directory):
        files.setdefault(row_id, []).append((path, created))
    ids = sorted(files)
    erased: list[Path] = []
    for start in range(0, len(ids), _BATCH):
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.created_at).where(
                OutboxMessage.id.in_(ids[start : start + _BATCH]), OutboxMessage.to_addr.is_(None)
            )
        )
        for row_id, created_at in rows:
            stamp = int(created_at.timestamp())
            erased += [path for path, created in files[row_id] if created == stamp]
    return remove_mailbox_files(erased)


def checkpoint(engine: Engine) -> bool:
    """On SQLite, copy the write-ahead log into the database file and empty it: the log keeps
    pages as they were before the purge. Call it after the purge's commit. Returns False when
    readers kept it from finishing (the next purge tries again); elsewhere a no-op."""
    if engine.dialect.name != "sqlite":
        return True
    # Outside any transaction, which a checkpoint cannot run in: a plain DB-API connection
    # (in autocommit, as ``core.database`` sets up every SQLite connection).
    connection = engine.raw_connection()
    try:
        busy, _log, _done = connection.driver_connection.execute(
            "PRAGMA wal_checkpoint(TRUNCATE)"
        ).fetchone()
    finally:
        connection.close()
    if busy:
        log.warning("the write-ahead log is still in use; it is emptied on the next purge")
    return not busy
