"""The mail worker (``flask --app app worker``): ticks reminders, erases RSVPs left
unconfirmed, sends the outbox and push alerts (``services.push.sending``, a batch a round),
and once a day forgets the participants of past events and the bodies and rows of old mail.
Top-level, not in ``services.mail``: it orchestrates mail, reminders and the RSVP purge, so
it may import all of them.

Each round writes one chunk of due reminders (if a tick is under way), expands due notices
(``fanout``), sends a batch of push alerts, then a batch of the outbox
(``services.mail.sending``: claimed under a lease, transactional mail before bulk); the daily
purge waits until nothing is due.
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

from core.extensions import db
from models import utcnow
from services import health, push
from services import mail as mailer
from services.mail import fanout, outbox, reminders
from services.mail.sending import send_batch, setting
from services.rsvp import purge

log = logging.getLogger(__name__)

PURGE_EVERY = timedelta(days=1)
_FORGET_STEP = 1000  # old outbox rows stripped or deleted per transaction
Clock = Callable[[], datetime]


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
    ticking, cursor = False, None  # a reminder tick under way, and where it is
    try:
        while not stop.is_set():
            # Reminders need minute precision, not a query per batch while a big update drains.
            if time.monotonic() - last_tick >= setting("OUTBOX_POLL_SECONDS"):
                last_tick = time.monotonic()
                heartbeat(name, clock())
                expire(clock())
                if not ticking:
                    ticking, cursor = True, None
            if ticking:
                cursor = tick(clock(), cursor)  # one chunk, then a batch of sending
                ticking = cursor is not None
            expanded = fanout.expand_due(db.transaction, clock(), seconds=0.5)
            pushed = send_alerts(clock())
            if send_batch(transport, clock, mail_from=mail_from, stop=stop) or ticking or expanded:
                continue
            if pushed:
                continue
            transport.close()  # idle: do not hold a connection the server will time out
            if once:
                break
            # Once a day, when nothing is due: the purge reads the whole outbox, which must not
            # hold up a fan-out, nor a worker that has just started to take over a dead one's.
            if last_purge is None or clock() - last_purge >= PURGE_EVERY:
                last_purge = clock()
                _purge(last_purge)
                continue
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


def send_alerts(now: datetime) -> int:
    """One batch of push alerts and one of their due retries (``services.push.sending``);
    a failure is logged and the loop goes on. Returns how many deliveries were tried."""
    try:
        return push.send_due(db.transaction, now, current_app.config)
    except Exception:
        log.exception("sending push alerts failed")
        return 0


def tick(now: datetime, after: reminders.Cursor | None = None) -> reminders.Cursor | None:
    """Queue one chunk of the reminders due at ``now`` (from the start of a tick when
    ``after`` is None) in a transaction of its own. Returns where to go on, or None when the
    tick is done (or failed: the next one starts afresh)."""
    try:
        with db.transaction() as session:
            return reminders.queue_reminder_chunk(session, now, after=after)[1]
    except Exception:
        log.exception("reminder tick failed")
        return None


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
        _forget_sent_mail(now)
        purge.checkpoint(db.engine)
    except Exception:
        log.exception("daily purge failed")


def _forget_sent_mail(now: datetime) -> None:
    # In steps of their own: on SQLite a long transaction would hold every writer up.
    config = current_app.config
    while True:
        with db.transaction() as session:
            touched = outbox.forget_sent_mail(
                session,
                now=now,
                body_days=config["OUTBOX_KEEP_BODIES_DAYS"],
                row_days=config["OUTBOX_KEEP_ROWS_DAYS"],
                limit=_FORGET_STEP,
            )
        if touched < _FORGET_STEP:
            return


def _handle_signals(stop: threading.Event) -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum, _frame) -> None:
        log.info("stopping after the current batch")
        stop.set()

    return {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
