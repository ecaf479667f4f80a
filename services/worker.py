"""The mail worker (``flask --app app worker``): ticks reminders, erases RSVPs left
unconfirmed, sends the outbox, and once a day forgets the participants of past events.
Top-level, not in ``services.mail``: it orchestrates mail, reminders and the RSVP purge, so
it may import all of them.

Each round claims a batch of due rows and leases them (status ``sending``, ``lease_until``),
commits, sends them on one open connection, then records every outcome. A worker that dies
leaves its rows leased; once the lease runs out another worker takes them, so a message is
sent twice at most when a worker died after sending it but before recording that. On
PostgreSQL several workers claim with ``FOR UPDATE SKIP LOCKED`` and never wait for each
other; on SQLite the write lock serialises the claims of a single worker.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.extensions import db
from models import OutboxMessage, utcnow
from models.enums import OutboxStatus
from services import health
from services import mail as mailer
from services.mail import fanout, reminders
from services.rsvp import purge

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(days=1)
RETRY = "retry"  # the outcome of a send that may work later: queued again after a back-off

Clock = Callable[[], datetime]


def setting(name: str):
    """One of the ``OUTBOX_...`` settings of ``core.config``, which holds their defaults."""
    return current_app.config[name]


def run(once: bool = False, *, now: Clock | datetime | None = None) -> None:
    """Send due mail until stopped by SIGTERM or SIGINT (the batch in hand is finished
    first); with ``once``, stop as soon as nothing is due. ``now`` injects the clock (a
    datetime or a function returning one) for tests.

    Needs an app context. Errors of one message (a refused address, a header that cannot be
    encoded) are recorded on its row; the loop goes on. Each round records a heartbeat
    (``services.health``) for ``/healthz``.

    Raises ``mailer.MailNotConfigured`` before doing anything in production without
    ``MAIL_SERVER``: the dev mailbox would keep participants' mail on the server's disk.
    """
    clock: Clock = (lambda: now) if isinstance(now, datetime) else (now or utcnow)
    transport = mailer.transport_from_config(current_app.config)
    mail_from = mailer.sender_address(current_app.config)
    # The name of this worker's heartbeat: several workers may share a host.
    name = f"{socket.gethostname()}:{os.getpid()}"
    stop = threading.Event()
    restore = _handle_signals(stop) if not once else {}
    last_purge: datetime | None = None
    last_tick = float("-inf")
    try:
        while not stop.is_set():
            # Reminders need minute precision, not a query per batch while a big update drains.
            if time.monotonic() - last_tick >= setting("OUTBOX_POLL_SECONDS"):
                last_tick = time.monotonic()
                heartbeat(name, clock())
                expire(clock())
                tick(clock())
            if not once and (last_purge is None or clock() - last_purge >= PURGE_EVERY):
                last_purge = clock()
                _purge(last_purge)
            expanded = fanout.expand_due(db.transaction, clock(), seconds=0.5)
            if send_batch(transport, clock, mail_from=mail_from, stop=stop) or expanded:
                continue
            transport.close()  # idle: do not hold a connection the server will time out
            if once:
                break
            stop.wait(setting("OUTBOX_POLL_SECONDS"))
    finally:
        transport.close()
        for signum, handler in restore.items():
            signal.signal(signum, handler)


def heartbeat(name: str, now: datetime) -> None:
    """Record that the worker ``name`` is alive at ``now``, in a transaction of its own; a
    failure is logged and the loop goes on (the database may be back next round)."""
    try:
        with db.transaction() as session:
            health.record_heartbeat(session, worker=name, now=now)
    except Exception:
        log.exception("heartbeat failed")


def tick(now: datetime) -> int:
    """Queue the reminders due at ``now`` in a transaction of their own."""
    try:
        with db.transaction() as session:
            return reminders.queue_due_reminders(session, now)
    except Exception:
        log.exception("reminder tick failed")
        return 0


def expire(now: datetime) -> int:
    """Erase the RSVPs still unconfirmed ``RSVP_CONFIRM_HOURS`` before ``now``, with their
    mail, in a transaction of their own."""
    try:
        with db.transaction() as session:
            return purge.expire_unconfirmed(
                session, now=now, hours=current_app.config["RSVP_CONFIRM_HOURS"]
            )
    except Exception:
        log.exception("expiring unconfirmed RSVPs failed")
        return 0


def claim(session: Session, now: datetime, limit: int, lease: timedelta) -> list[OutboxMessage]:
    """Lease up to ``limit`` due rows to this worker: queued ones whose time has come, and
    ``sending`` ones whose worker's lease ran out. Rows come back with ``attempts`` counted."""
    # Two index range scans instead of one OR: the OR made PostgreSQL sort the whole table.
    expired = select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now
    )
    due = select(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now
    )
    rows: list[OutboxMessage] = []
    for query in (expired, due.order_by(OutboxMessage.next_attempt_at)):
        query = query.limit(limit - len(rows))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows += session.scalars(query).all()
        if len(rows) >= limit:
            break
    if rows:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([r.id for r in rows]))
            .values(
                status=OutboxStatus.SENDING,
                lease_until=now + lease,
                attempts=OutboxMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        for row in rows:
            row.attempts += 1  # in memory only: the UPDATE above did it in the database
    session.expunge_all()
    return rows


def send_batch(
    transport: mailer.Transport, clock: Clock, *, mail_from: str, stop: threading.Event
) -> int:
    """Claim one batch, send it, record the outcomes. Returns how many rows were claimed."""
    lease = timedelta(seconds=setting("OUTBOX_LEASE_SECONDS"))
    with db.transaction() as session:
        rows = claim(session, clock(), setting("OUTBOX_BATCH_SIZE"), lease)
    if not rows:
        return 0
    # Stop sending well before the lease runs out, or another worker would send these again.
    deadline = time.monotonic() + lease.total_seconds() / 2
    outcomes: dict[int, tuple[str, str | None]] = {}
    unreachable: str | None = None
    for row in rows:
        if unreachable:
            outcomes[row.id] = (RETRY, unreachable)
            continue
        if stop.is_set() or time.monotonic() > deadline:
            break
        try:
            message = mailer.render(row, mail_from=mail_from)
        except Exception as err:
            outcomes[row.id] = (OutboxStatus.FAILED, f"could not build the message: {err}")
            continue
        try:
            transport.send(message)
        except mailer.SendError as err:
            outcomes[row.id] = (OutboxStatus.FAILED if err.permanent else RETRY, str(err))
            if err.connection:
                unreachable = str(err)  # the rest of the batch would only wait for it too
        else:
            outcomes[row.id] = (OutboxStatus.SENT, None)
    record(rows, outcomes, clock())
    return len(rows)


def record(rows: list[OutboxMessage], outcomes: dict, now: datetime) -> None:
    """Write what happened to each claimed row: sent, failed (with the reason), queued again
    after a back-off, or released untouched (not tried: the worker is stopping)."""
    sent = [r.id for r in rows if outcomes.get(r.id, ("",))[0] == OutboxStatus.SENT]
    untried = [r.id for r in rows if r.id not in outcomes]
    leased = OutboxMessage.status == OutboxStatus.SENDING
    with db.transaction() as session:
        if sent:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(sent), leased)
                .values(status=OutboxStatus.SENT, sent_at=now, lease_until=None, last_error=None)
            )
        if untried:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(untried), leased)
                .values(
                    status=OutboxStatus.QUEUED,
                    lease_until=None,
                    attempts=OutboxMessage.attempts - 1,
                )
            )
        for row in rows:
            outcome, reason = outcomes.get(row.id, ("", None))
            if outcome == RETRY:
                values = _retry_values(row, reason, now)
            elif outcome == OutboxStatus.FAILED:
                values = {"status": OutboxStatus.FAILED, "lease_until": None, "last_error": reason}
            else:
                continue
            session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id, leased).values(**values)
            )


def _retry_values(row: OutboxMessage, reason: str | None, now: datetime) -> dict:
    if now - row.created_at >= timedelta(seconds=setting("OUTBOX_GIVE_UP_SECONDS")):
        return {
            "status": OutboxStatus.FAILED,
            "lease_until": None,
            "last_error": f"gave up: {reason}",
        }
    first, cap = setting("OUTBOX_RETRY_FIRST_SECONDS"), setting("OUTBOX_RETRY_MAX_SECONDS")
    delay = min(first * 2 ** max(row.attempts - 1, 0), cap)
    return {
        "status": OutboxStatus.QUEUED,
        "lease_until": None,
        "last_error": reason,
        "next_attempt_at": now + timedelta(seconds=delay),
    }


def _purge(now: datetime) -> None:
    try:
        with db.transaction() as session:
            purge.purge(
                session,
                now=now,
                retention_days=current_app.config["RETENTION_DAYS"],
                mailbox=mailer.mailbox_dir(current_app.config),
            )
            health.forget_old_heartbeats(session, now=now)
        purge.checkpoint(db.engine)
    except Exception:
        log.exception("daily purge failed")


def _handle_signals(stop: threading.Event) -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum, _frame) -> None:
        log.info("stopping after the current batch")
        stop.set()

    return {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
