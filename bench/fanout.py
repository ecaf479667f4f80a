"""Fan-out benchmark: an organiser update to 10,000 attendees, through the worker, against
plain smtplib sending the same prebuilt messages on one reused connection; then the same
after many messages were already sent (``--sent``, seeded by one INSERT ... SELECT); then a
worker process killed with SIGKILL mid fan-out while a second one takes over.

    .venv/bin/python bench/fanout.py [--attendees 10000] [--sent 100000] [--postgres URL]
    .venv/bin/python bench/fanout.py --sent 500000      # the figure the README quotes

All runs talk to the same in-process aiosmtpd sink, measured in the same run; the ratio
(worker / smtplib throughput) is what to compare across machines. The kill run counts, at
the sink, messages lost (never arrived), duplicated (arrived twice) and how many seconds after
the kill the dead worker's leased messages arrived.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import smtplib
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import bindparam, insert, select, text  # noqa: E402

from bench.common import add_postgres_option, bench_app  # noqa: E402
from core.extensions import db  # noqa: E402
from models import Event, EventChange, OutboxMessage, Rsvp, utcnow  # noqa: E402
from services import mail as mailer  # noqa: E402
from services import (
    tokens,  # noqa: E402
    worker,  # noqa: E402
)
from services.mail import fanout, notify  # noqa: E402
from tests.plugins.smtp import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
_ROW_ID = re.compile(rb"Message-ID: <rp(\d+)\.")


class Counter:
    """The sink: counts; with ``arrivals`` set to a list, also notes (row id, instant)."""

    def __init__(self) -> None:
        self.count = 0
        self.arrivals: list[tuple[int, float]] | None = None
        self.seen: set[int] = set()

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        if self.arrivals is not None:
            match = _ROW_ID.search(envelope.content)
            row = int(match.group(1)) if match else -1
            self.arrivals.append((row, time.monotonic()))
            self.seen.add(row)
        return "250 OK"

    def distinct(self) -> int:
        return len(self.seen)


def seed(app, attendees: int) -> None:
    with app.app_context():
        session = db.session
        now = utcnow()
        event = Event(
            slug="bench",
            title="Bench march",
            starts_at=now + timedelta(days=7),
            ends_at=now + timedelta(days=7, hours=3),
            timezone="Europe/Berlin",
            status="published",
        )
        session.add(event)
        session.flush()
        salt = tokens.new_salt()  # one salt is enough to time; real RSVPs each have their own
        session.execute(
            insert(Rsvp),
            [
                {
                    "event_id": event.id,
                    "email": f"person{i}@example.org",
                    "status": "confirmed",
                    "token_salt": salt,
                    "token_hash": f"{i:064x}",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(attendees)
            ],
        )
        session.commit()


def queue_update(app, revision: int) -> list[int]:
    """An organiser update to every attendee; returns the ids of its outbox rows."""
    with app.app_context():
        session = db.session
        now = utcnow()
        event = session.scalar(select(Event).where(Event.slug == "bench"))
        change = EventChange(
            event_id=event.id,
            revision=revision,
            kind="update",
            summary="Bring water.",
            is_update=True,
        )
        session.add(change)
        session.flush()
        started = time.perf_counter()
        notify.organiser_update(session, event, change, now)
        session.commit()
        while fanout.expand_due(db.transaction, now):  # what the worker's rounds do first
            pass
        ids = list(
            session.scalars(select(OutboxMessage.id).where(OutboxMessage.change_id == change.id))
        )
        session.commit()
        print(f"queued {len(ids)} messages in {time.perf_counter() - started:.2f} s")
        return ids


def seed_sent(app, count: int) -> None:
    """``count`` messages already sent, with bodies, as months of use would leave them."""
    started = time.perf_counter()
    with app.app_context():
        session = db.session
        if session.get_bind().dialect.name == "postgresql":
            rows, filler = "generate_series(1, :count) AS seq(i)", "repeat('x', 1000)"
            prefix = ""
        else:
            rows, filler = "seq", "hex(zeroblob(500))"
            prefix = (
                "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq "
                "WHERE i < :count) "
            )
        statement = text(
            f"{prefix}INSERT INTO outbox (dedupe_key, kind, to_addr, subject, body_text, "
            "body_html, headers, status, priority, attempts, next_attempt_at, created_at, "
            "sent_at) "
            f"SELECT 'old:' || i, 'organiser_update', 'person' || i || '@example.org', "
            f"'Update: an earlier march', {filler}, {filler} || {filler}, '{{}}', 'sent', 1, 1, "
            f":now, :now, :now FROM {rows}"
        ).bindparams(bindparam("now", type_=OutboxMessage.__table__.c.created_at.type), count=count)
        session.execute(statement, {"now": utcnow() - timedelta(days=1)})
        session.commit()
    print(f"seeded {count} sent messages in {time.perf_counter() - started:.2f} s")


def plain_smtplib(prebuilt: list, port: int, sink: Counter) -> float:
    """Seconds to send ``prebuilt`` with smtplib on one connection; resets the sink count."""
    sink.count = 0
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for mail in prebuilt:
        smtp.sendmail(mail.sender, mail.recipients, mail.data)
    smtp.quit()
    seconds = time.perf_counter() - started
    assert sink.count == len(prebuilt)
    sink.count = 0
    return seconds


def fan_out(app, port: int, sink: Counter, revision: int) -> tuple[float, float]:
    """One organiser update through the worker, between two smtplib baselines of the same
    messages; returns (worker messages/s, smtplib messages/s)."""
    ids = queue_update(app, revision)
    with app.app_context():
        rows = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        ).all()
        mail_from = mailer.sender_address(app.config)
        prebuilt = [mailer.render(row, mail_from=mail_from) for row in rows]
        db.session.rollback()
    # The baseline runs before and after the worker, so that a machine that gets busier
    # or quieter during the run does not favour either side.
    plain_seconds = plain_smtplib(prebuilt, port, sink) / 2
    with app.app_context():
        started = time.perf_counter()
        worker.run(once=True)
        worker_seconds = time.perf_counter() - started
    assert sink.count == len(ids), f"worker sent {sink.count} of {len(ids)}"
    plain_seconds += plain_smtplib(prebuilt, port, sink) / 2
    return len(ids) / worker_seconds, len(ids) / plain_seconds


def kill_run(app, url: str, port: int, sink: Counter, revision: int) -> dict:
    """A worker process killed with SIGKILL a third into a fan-out, a second one started at
    once; what the sink saw."""
    ids = queue_update(app, revision)
    sink.arrivals, sink.seen = [], set()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "SECRET_KEY": "bench",
    }
    command = [str(Path(sys.executable).with_name("flask")), "--app", "app", "worker"]
    first = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own flask
    deadline = time.monotonic() + 120
    while sink.distinct() < len(ids) // 3 + 37 and time.monotonic() < deadline:  # mid-batch
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    first.wait()
    with app.app_context():
        leased = set(
            db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "sending"))
        )
        db.session.rollback()
    arrived_before = sink.distinct()
    second = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own flask
    try:
        while sink.distinct() < len(ids) and time.monotonic() < killed_at + 120:
            time.sleep(0.05)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)
    arrivals, sink.arrivals = sink.arrivals, None
    first_seen: dict[int, float] = {}
    for row, at in arrivals:
        first_seen.setdefault(row, at)
    late = [first_seen[row] - killed_at for row in leased if row in first_seen]
    return {
        "messages": len(ids),
        "arrived before the kill": arrived_before,
        "leased by the dead worker": len(leased),
        "lost": len(set(ids) - set(first_seen)),
        "duplicated": len(arrivals) - len(first_seen),
        "leased ones arrived after (s)": max(late) if late else 0.0,
        "all arrived after (s)": max(first_seen.values()) - killed_at,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attendees", type=int, default=10_000)
    parser.add_argument(
        "--sent",
        type=int,
        default=100_000,
        help="messages already sent before the second fan-out (the README quotes 500000)",
    )
    parser.add_argument("--no-kill", action="store_true", help="skip the SIGKILL run")
    add_postgres_option(parser)
    args = parser.parse_args()
    sink = Counter()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with bench_app(args.postgres, {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}) as (
            app,
            url,
        ):
            seed(app, args.attendees)
            fresh = fan_out(app, port, sink, revision=0)
            seed_sent(app, args.sent)
            later = fan_out(app, port, sink, revision=1)
            killed = None if args.no_kill else kill_run(app, url, port, sink, revision=2)
    finally:
        controller.stop()

    backend = url.split(":", 1)[0]
    print(f"database: {backend}, attendees: {args.attendees}")
    for label, (worker_rate, plain_rate) in (
        ("empty outbox", fresh),
        (f"after {args.sent} sent", later),
    ):
        print(
            f"{label:>20}: worker {worker_rate:6.0f} msg/s, smtplib {plain_rate:6.0f} msg/s, "
            f"ratio worker/smtplib {worker_rate / plain_rate:.2f}"
        )
    if killed:
        print("kill -9 mid fan-out, a second worker started at once:")
        for key, value in killed.items():
            print(f"  {key}: {value:.1f}" if isinstance(value, float) else f"  {key}: {value}")


if __name__ == "__main__":
    main()
