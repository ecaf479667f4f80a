"""Fan-out benchmark: an organiser update to 10,000 attendees, through the worker, against
plain smtplib sending the same prebuilt messages on one reused connection.

    .venv/bin/python bench/fanout.py [--attendees 10000] [--database-url URL]

Both runs talk to the same in-process aiosmtpd sink that only counts, measured in the same
run; the ratio (worker / smtplib throughput) is what to compare across machines.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from app import create_app  # noqa: E402
from core import migrate  # noqa: E402
from core.extensions import db  # noqa: E402
from models import Event, EventChange, OutboxMessage, Rsvp, utcnow  # noqa: E402
from services import mail as mailer  # noqa: E402
from services import (
    tokens,  # noqa: E402
    worker,  # noqa: E402
)
from services.mail import fanout, notify  # noqa: E402
from tests.plugins.database import PostgresServer  # noqa: E402
from tests.plugins.smtp import free_port  # noqa: E402


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


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
        change = EventChange(
            event_id=event.id, revision=0, kind="update", summary="Bring water.", is_update=True
        )
        session.add(change)
        session.flush()
        started = time.perf_counter()
        notify.organiser_update(session, event, change, now)
        session.commit()
        while fanout.expand_due(db.transaction, now):  # what the worker's rounds do first
            pass
        print(f"queued {attendees} messages in {time.perf_counter() - started:.2f} s")


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attendees", type=int, default=10_000)
    parser.add_argument(
        "--postgres",
        default="",
        help="a PostgreSQL server URL; the bench makes a database of its own there and drops it",
    )
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    server = PostgresServer(args.postgres) if args.postgres else None
    url = server.create() if server else f"sqlite:///{os.path.join(tmp.name, 'bench.sqlite3')}"
    migrate.upgrade(url)

    sink = Counter()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
        }
    )
    try:
        seed(app, args.attendees)
        with app.app_context():
            rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
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
        assert sink.count == args.attendees, f"worker sent {sink.count} of {args.attendees}"
        plain_seconds += plain_smtplib(prebuilt, port, sink) / 2
    finally:
        controller.stop()
        app.extensions["rallypoint.db"][0].dispose()
        tmp.cleanup()
        if server:
            server.drop_all()

    worker_rate = args.attendees / worker_seconds
    plain_rate = args.attendees / plain_seconds
    backend = url.split(":", 1)[0]
    print(f"database: {backend}, attendees: {args.attendees}")
    print(f"worker:  {worker_rate:8.0f} messages/s ({worker_seconds:.2f} s)")
    print(f"smtplib: {plain_rate:8.0f} messages/s ({plain_seconds:.2f} s)")
    print(f"ratio worker/smtplib: {worker_rate / plain_rate:.2f}")


if __name__ == "__main__":
    main()
