"""Sending the outbox, a batch a round (``services.worker`` runs it): claim due rows under a
lease, send them on one open connection, and record the outcomes at most ``RECORD_EVERY``
messages behind, while a timer renews the lease of the rest every quarter of it.

A worker that dies leaves at most ``RECORD_EVERY`` messages sent but not recorded, which are
sent again, and its lease (``OUTBOX_LEASE_SECONDS``, short because it is renewed) runs out
soon, after which another worker takes the rows. On PostgreSQL several workers claim with
``FOR UPDATE SKIP LOCKED`` and never wait for each other; on SQLite the write lock
serialises the claims of a single worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Connection, select, update
from sqlalchemy.orm import Session

from core.database import skipping_locked
from core.extensions import db
from models import OutboxMessage
from models.enums import MailPriority, OutboxStatus
from models.outbox import status_is
from services.mail.rendering import render
from services.mail.transports import SendError, Transport

log = logging.getLogger(__name__)

# Messages sent between two records of what was sent: also the most that a worker killed
# mid-batch leaves sent but unrecorded, to be sent again by the next one.
RECORD_EVERY = 10
RETRY = "retry"  # the outcome of a send that may work later: queued again after a back-off

OUTBOX = OutboxMessage.__table__
Clock = Callable[[], datetime]
# What became of a message: sent, or the columns its row gets (failed, or queued again).
Outcome = OutboxStatus | dict


def setting(name: str):
    """One of the ``OUTBOX_...`` settings of ``core.config``, which holds their defaults."""
    return current_app.config[name]


def claim(session: Session, now: datetime, limit: int, lease: timedelta) -> list[OutboxMessage]:
    """Lease up to ``limit`` due rows to this worker until ``now + lease``: ``sending`` ones
    whose worker's lease ran out, then queued ones whose time has come, transactional before
    bulk and each the longest waiting first. Rows come back with ``attempts`` counted."""
    # One index range scan per kind of row, each on a partial index of live rows only: an
    # OR made PostgreSQL sort the whole table, and sent rows would slow any other index.
    expired = OutboxMessage.lease_until < now
    queries = [select(OutboxMessage).where(status_is(OutboxStatus.SENDING), expired)] + [
        select(OutboxMessage)
        .where(
            status_is(OutboxStatus.QUEUED),
            OutboxMessage.priority == priority,
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at)
        for priority in MailPriority
    ]
    rows: list[OutboxMessage] = []
    for query in queries:
        query = skipping_locked(session, query.limit(limit - len(rows)))
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
            row.lease_until = now + lease
    session.expunge_all()
    return rows


def send_batch(transport: Transport, clock: Clock, *, mail_from: str, stop: threading.Event) -> int:
    """Claim one batch, send it, record the outcomes as it goes. Returns how many rows were
    claimed."""
    lease = timedelta(seconds=setting("OUTBOX_LEASE_SECONDS"))
    with db.transaction() as session:
        rows = claim(session, clock(), setting("OUTBOX_BATCH_SIZE"), lease)
    if not rows:
        return 0
    # One connection for the batch's records: no pool checkout and ping every ten messages.
    with db.engine.connect() as connection, _for_records(connection) as recording:
        batch = Batch(rows, lease, clock, recording)
        unreachable: str | None = None
        while (row := batch.next()) is not None:
            if unreachable:
                batch.done(row, RETRY, unreachable)
                continue
            if stop.is_set():
                break
            try:
                message = render(row, mail_from=mail_from)
            except Exception as err:
                batch.done(row, OutboxStatus.FAILED, f"could not build the message: {err}")
                continue
            try:
                transport.send(message)
            except SendError as err:
                batch.done(row, OutboxStatus.FAILED if err.permanent else RETRY, str(err))
                if err.connection:
                    unreachable = str(err)  # the rest of the batch would only wait for it too
            else:
                batch.done(row, OutboxStatus.SENT)
        batch.finish()
    return len(rows)


class Batch:
    """The rows this worker leased and has not recorded yet.

    Outcomes are written by a thread of the batch's own while the next messages go out (a
    database round trip need not hold up SMTP), at most ``RECORD_EVERY`` messages behind the
    last one the server took. A timer renews the lease of every row not recorded yet (the
    one going out included) each quarter of the lease, however slowly the messages go: a
    renewal tied to sending would wait for a slow server and let the lease run out under a
    message in flight. Rows another worker took meanwhile (our lease had run out all the
    same: the worker stalled) are left to it.
    """

    def __init__(
        self, rows: list[OutboxMessage], lease: timedelta, clock: Clock, connection: Connection
    ) -> None:
        self.connection = connection
        self.waiting = list(rows)  # leased, not yet tried
        self.outcomes: dict[int, Outcome] = {}
        self.tried: list[OutboxMessage] = []
        self.lease = lease
        self.clock = clock
        # Only the recorder thread reads or writes these two while the batch runs.
        self.lease_until = rows[0].lease_until
        self.unrecorded = {r.id for r in rows}
        self.lost: set[int] = set()  # taken by another worker; the renewals add to it
        self.lost_lock = threading.Lock()
        self.recorder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-record")
        self.pending: Future | None = None  # the records being written
        self.pending_count = 0
        self.stopping = threading.Event()
        self.renewer = threading.Thread(target=self._keep_lease, name="outbox-lease", daemon=True)
        self.renewer.start()

    def next(self) -> OutboxMessage | None:
        """The next row to send, once the records are close enough behind."""
        while self.pending_count + len(self.tried) >= RECORD_EVERY:
            self._collect()
        if self.pending is None and len(self.tried) >= RECORD_EVERY // 2:
            self._submit()
        with self.lost_lock:
            if self.lost:
                self.waiting = [r for r in self.waiting if r.id not in self.lost]
        return self.waiting.pop(0) if self.waiting else None

    def done(self, row: OutboxMessage, outcome: str, reason: str | None = None) -> None:
        """Note how sending ``row`` went: sent, failed or to retry, with the reason."""
        self.tried.append(row)
        if outcome == RETRY:
            self.outcomes[row.id] = _retry_values(row, reason, self.clock())
        elif outcome == OutboxStatus.FAILED:
            self.outcomes[row.id] = {
                "status": OutboxStatus.FAILED,
                "lease_until": None,
                "last_error": reason,
            }
        else:
            self.outcomes[row.id] = OutboxStatus.SENT

    def finish(self) -> None:
        """Record what was tried and give back what was not (the worker is stopping)."""
        try:
            self.stopping.set()
            self.renewer.join()
            self._collect()
            now = self.clock()
            with self.connection.begin():
                rows = self.tried + self.waiting
                record(self.connection, rows, self.outcomes, now, lease_until=self.lease_until)
            self.tried, self.waiting, self.outcomes = [], [], {}
        finally:
            self.recorder.shutdown()

    def _submit(self) -> None:
        tried, outcomes = self.tried, self.outcomes
        self.tried, self.outcomes = [], {}
        self.pending = self.recorder.submit(self._write, tried, outcomes, self.clock())
        self.pending_count = len(tried)

    def _collect(self) -> None:
        """Wait for the records being written."""
        if self.pending is None:
            return
        pending, self.pending, self.pending_count = self.pending, None, 0
        pending.result()  # raises what the thread raised

    def _write(self, tried: list[OutboxMessage], outcomes: dict, now: datetime) -> None:
        # In the recorder thread: plain SQL, not the ORM, as this runs every few messages.
        with self.connection.begin():
            record(self.connection, tried, outcomes, now, lease_until=self.lease_until)
        self.unrecorded.difference_update(r.id for r in tried)

    def _keep_lease(self) -> None:
        # In a thread of its own: the renewal itself goes through the recorder, in turn with
        # the records, which are matched by the lease it changes.
        while not self.stopping.wait(self.lease.total_seconds() / 4):
            try:
                self.recorder.submit(self._renew).result()
            except Exception:  # the next renewal tries again; the records report for real
                log.exception("renewing the outbox lease failed")

    def _renew(self) -> None:
        # In the recorder thread.
        asked = list(self.unrecorded)
        if not asked:
            return
        until = self.clock() + self.lease
        with self.connection.begin():
            kept = set(
                self.connection.scalars(
                    OUTBOX.update()
                    .where(OUTBOX.c.id.in_(asked), _leased_until(self.lease_until))
                    .values(lease_until=until)
                    .returning(OUTBOX.c.id)
                )
            )
        self.lease_until = until
        with self.lost_lock:
            self.lost.update(set(asked) - kept)


@contextmanager
def _for_records(connection: Connection) -> Iterator[Connection]:
    """``connection`` set up for recording a batch, which happens every ten messages.

    On PostgreSQL each statement commits by itself (each of ``record``'s statements stands
    alone; one round trip instead of three) and without waiting for the log to reach the
    disk, a wait that would take longer than sending the ten: a crash of the database server
    (not of the worker) may then forget the last fraction of a second of records, so a few
    messages would be sent twice; none is ever lost. SQLite (WAL, synchronous=NORMAL) does not
    wait for the disk at commit anyway, and keeps its transactions (``BEGIN IMMEDIATE``).
    """
    if connection.dialect.name != "postgresql":
        yield connection
        return
    connection = connection.execution_options(isolation_level="AUTOCOMMIT")
    connection.exec_driver_sql("SET synchronous_commit TO OFF")
    connection.commit()  # ends SQLAlchemy's view of a transaction; the database had none
    try:
        yield connection
    finally:
        connection.rollback()
        connection.exec_driver_sql("RESET synchronous_commit")  # the pool hands it on
        connection.commit()


def record(
    connection: Connection,
    rows: list[OutboxMessage],
    outcomes: dict[int, Outcome],
    now: datetime,
    *,
    lease_until: datetime,
) -> None:
    """Write what happened to each claimed row: sent, or the row's new values (failed with
    the reason, queued again after a back-off), or released untouched (not tried: the
    worker is stopping). Only rows still under this worker's lease (``lease_until``) are
    failed, retried or released; a sent one is recorded as sent whoever holds it now."""
    sent = [r.id for r in rows if outcomes.get(r.id) == OutboxStatus.SENT]
    untried = [r.id for r in rows if r.id not in outcomes]
    ours = _leased_until(lease_until)
    if sent:
        connection.execute(
            OUTBOX.update()
            .where(OUTBOX.c.id.in_(sent), status_is(OutboxStatus.SENDING))
            .values(status=OutboxStatus.SENT, sent_at=now, lease_until=None, last_error=None)
        )
    if untried:
        connection.execute(
            OUTBOX.update()
            .where(OUTBOX.c.id.in_(untried), ours)
            .values(status=OutboxStatus.QUEUED, lease_until=None, attempts=OUTBOX.c.attempts - 1)
        )
    for row_id, values in outcomes.items():
        if isinstance(values, dict):
            connection.execute(OUTBOX.update().where(OUTBOX.c.id == row_id, ours).values(**values))


def _leased_until(lease_until: datetime) -> ColumnElement[bool]:
    # A lease is known by its end: a worker that takes over expired rows sets a new one.
    return status_is(OutboxStatus.SENDING) & (OUTBOX.c.lease_until == lease_until)


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
