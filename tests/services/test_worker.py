"""The worker against a real SMTP server on loopback: mail arrives once, waits out an outage,
survives a refused address, a broken message and a killed worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from core.database import make_engine
from core.extensions import db
from models import OutboxMessage, WorkerHeartbeat, utcnow
from services import worker
from services.mail import notify, outbox, sending
from services.rsvp import confirm_rsvp, submit_rsvp
from tests.factories import make_event
from tests.plugins.smtp import Inbox, SmtpServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_settings(smtp_server):
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}


def queue_plain(session, count: int, *, prefix: str = "bulk") -> None:
    """``count`` ready-made messages, as notify would write them."""
    outbox.enqueue_many(
        session,
        [
            {
                "dedupe_key": f"{prefix}:{i}",
                "kind": "organiser_update",
                "to_addr": f"person{i}@example.org",
                "subject": "Update: March",
                "body_text": f"Message {i}",
                "body_html": f"<p>Message {i}</p>",
            }
            for i in range(count)
        ],
        utcnow(),
    )


def rsvp_from_form(session, event, email: str):
    """Ada's RSVP as the public form sends it; queues the link to confirm it."""
    return submit_rsvp(
        session,
        event,
        email=email,
        name="Ada",
        party_size=1,
        role_id=None,
        wants_reminders=True,
        language="en",
        now=utcnow(),
    )


def read(session, query) -> list:
    """Rows as the database has them now; the read transaction ends at once, because on
    SQLite it would hold the write lock the worker needs."""
    session.expire_all()
    rows = session.execute(query).all()
    session.commit()
    return [row[0] if len(row) == 1 else tuple(row) for row in rows]


def statuses(session) -> dict[str, int]:
    return dict(
        read(session, select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    )


def test_rsvp_confirmation_arrives_with_manage_link_and_calendar(app, session, smtp_server):
    event = make_event(session)
    rsvp = rsvp_from_form(session, event, "Ada@Example.org")  # queues the link to confirm it
    confirm_rsvp(session, rsvp, utcnow())  # queues where it stands
    session.commit()

    worker.run(once=True)

    [_confirm, message] = smtp_server.messages
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "You are confirmed: March for the Climate"
    text = message.get_body(("plain",)).get_content()
    assert "You are confirmed for March for the Climate" in text
    manage = notify.manage_url(rsvp)
    assert manage in text
    assert message["List-Unsubscribe"] == f"<{notify.unsubscribe_url(rsvp)}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [calendar] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert calendar.get_param("method") == "PUBLISH"
    assert "BEGIN:VEVENT" in calendar.get_content()
    assert statuses(session) == {"sent": 2}

    path = manage.removeprefix(app.config["BASE_URL"])
    page = app.test_client().get(path)
    assert page.status_code == 200
    assert "March for the Climate" in page.get_data(as_text=True)


def test_mail_waits_while_smtp_is_down_and_goes_once_it_is_back(session, smtp_server):
    queue_plain(session, 3)
    session.commit()
    smtp_server.stop()
    start = utcnow()

    worker.run(once=True, now=start)

    rows = read(session, select(OutboxMessage))
    assert {r.status for r in rows} == {"queued"}
    assert all(r.next_attempt_at > start for r in rows)
    assert all("connect" in r.last_error for r in rows)

    smtp_server.start()
    worker.run(once=True, now=start)  # not yet due again: nothing goes
    assert smtp_server.messages == []
    worker.run(once=True, now=start + timedelta(minutes=5))

    assert sorted(m["To"] for m in smtp_server.messages) == [
        f"person{i}@example.org" for i in range(3)
    ]
    assert statuses(session) == {"sent": 3}


def test_retries_back_off_and_give_up_after_a_day(session, smtp_server):
    queue_plain(session, 1)
    session.commit()
    smtp_server.stop()
    now = utcnow()
    gaps = []
    while now < utcnow() + timedelta(days=2):
        worker.run(once=True, now=now)
        [row] = read(session, select(OutboxMessage))
        if row.status == "failed":
            break
        gaps.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert gaps[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(gaps) == timedelta(hours=1)
    assert row.status == "failed"
    assert row.last_error.startswith("gave up")


def test_refused_recipient_fails_with_reason_and_others_are_sent(session, smtp_server):
    queue_plain(session, 3)
    session.commit()
    smtp_server.inbox.refused.add("person1@example.org")

    worker.run(once=True)

    assert sorted(m["To"] for m in smtp_server.messages) == [
        "person0@example.org",
        "person2@example.org",
    ]
    [failed] = read(session, select(OutboxMessage).where(OutboxMessage.status == "failed"))
    assert failed.to_addr == "person1@example.org"
    assert failed.last_error.startswith("550")
    assert "No such mailbox" in failed.last_error


def test_a_message_that_cannot_be_built_does_not_stop_the_others(session, smtp_server):
    queue_plain(session, 2)
    outbox.enqueue(
        session,
        now=utcnow(),
        dedupe_key="broken",
        kind="organiser_update",
        to_addr="broken@example.org",
        subject="Update",
        body_text="x",
        headers={"X-Broken": "line\nbreak"},
    )
    session.commit()

    worker.run(once=True)

    assert len(smtp_server.messages) == 2
    [row] = read(session, select(OutboxMessage).where(OutboxMessage.dedupe_key == "broken"))
    assert row.status == "failed"
    assert row.last_error.startswith("could not build the message")


def test_worker_killed_mid_batch_resends_a_handful_and_another_takes_over(
    app, session, smtp_server, database_url
):
    total = 60  # one batch: before sub-batch records, a kill re-sent all that had gone
    queue_plain(session, total)
    session.commit()
    smtp_server.inbox.delay = 0.05  # slow enough that the kill lands mid-batch
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MAIL_SERVER": smtp_server.host,
        "MAIL_PORT": str(smtp_server.port),
        "OUTBOX_LEASE_SECONDS": "2",
        "OUTBOX_BATCH_SIZE": "100",
        "OUTBOX_POLL_SECONDS": "0.2",
        "SECRET_KEY": "test-secret-key",
    }
    command = [str(Path(sys.executable).with_name("flask")), "--app", "app", "worker"]

    first = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own flask
    smtp_server.inbox.wait_for(25)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert len(smtp_server.messages) < total

    smtp_server.inbox.delay = 0
    second = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own flask
    try:
        smtp_server.inbox.wait_for(total, timeout=60)
        arrived = Counter(m["To"] for m in smtp_server.messages)
        assert set(arrived) == {f"person{i}@example.org" for i in range(total)}
        assert sum(n - 1 for n in arrived.values()) <= sending.RECORD_EVERY
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0  # a clean stop
    assert statuses(session) == {"sent": total}


def test_rows_of_a_dead_worker_go_out_once_its_short_lease_runs_out(app, session, smtp_server):
    queue_plain(session, 5)
    session.commit()
    start = utcnow()
    lease = timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"])
    assert lease <= timedelta(seconds=30)
    with db.transaction() as dead:  # a worker that claimed the rows and died
        assert len(sending.claim(dead, start, 100, lease)) == 5

    worker.run(once=True, now=start + lease - timedelta(seconds=1))
    assert smtp_server.messages == []
    assert statuses(session) == {"sending": 5}

    worker.run(once=True, now=start + lease + timedelta(seconds=1))
    assert len(smtp_server.messages) == 5
    assert statuses(session) == {"sent": 5}


def test_a_confirmation_goes_before_a_big_update_queued_earlier(app, session, smtp_server):
    queue_plain(session, 1000)  # an organiser update to 1,000 people, due a minute ago
    session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(minutes=1)))
    event = make_event(session)
    rsvp_from_form(session, event, "ada@example.org")  # queues the link to confirm it
    session.commit()

    with db.transaction() as claiming:
        first_batch = sending.claim(claiming, utcnow(), 100, timedelta(seconds=20))
    assert first_batch[0].to_addr == "ada@example.org"
    assert [r.kind for r in first_batch[1:]] == ["organiser_update"] * 99


class DroppingInbox(Inbox):
    """Hangs up instead of accepting once ``accept`` messages arrived, and counts, as each
    message arrives, how many rows the database already has as sent."""

    def __init__(self, accept: int, database_url: str) -> None:
        super().__init__()
        self.accept = accept
        self.engine = make_engine(database_url)
        self.sent_on_arrival: list[int] = []

    async def handle_DATA(self, server, session, envelope):
        if len(self.raw) >= self.accept:
            server.transport.close()
            return "421 closing"
        with self.engine.connect() as connection:
            self.sent_on_arrival.append(
                connection.scalar(select(func.count()).where(OutboxMessage.status == "sent"))
            )
        return await super().handle_DATA(server, session, envelope)


def test_each_message_is_recorded_as_sent_soon_after_the_server_takes_it(
    app, session, database_url
):
    total, accept = 50, 35
    server = SmtpServer()
    server.inbox = DroppingInbox(accept, database_url)
    server.start()
    app.config.update(MAIL_SERVER=server.host, MAIL_PORT=server.port)
    queue_plain(session, total)
    session.commit()
    start = utcnow()
    try:
        worker.run(once=True, now=start)

        # While the batch went out, the records kept up with what the server had taken.
        assert all(
            sent >= arrived - sending.RECORD_EVERY
            for arrived, sent in enumerate(server.inbox.sent_on_arrival)
        )
        assert statuses(session) == {"sent": accept, "queued": total - accept}
        taken = {int(i.split(b"<rp")[1].split(b".")[0]) for i in server.inbox.message_ids()}
        sent = set(read(session, select(OutboxMessage.id).where(OutboxMessage.status == "sent")))
        assert taken == sent

        server.inbox.accept = total  # the server is back: only the rest go, none again
        worker.run(once=True, now=start + timedelta(minutes=5))
        assert Counter(server.inbox.message_ids()).most_common(1)[0][1] == 1
        assert server.inbox.distinct() == total
        assert statuses(session) == {"sent": total}
    finally:
        server.stop()
        server.inbox.engine.dispose()


def test_three_workers_drain_3000_messages_without_duplicates(app, backend, smtp_server):
    if backend == "sqlite":
        pytest.skip("SQLite runs one worker")
    total = 3000
    with app.app_context():
        queue_plain(db.session, total)
        db.session.commit()
    errors = []

    def work() -> None:
        try:
            with app.app_context():
                worker.run(once=True)
        except Exception as err:  # reported below: a thread's exception is otherwise lost
            errors.append(err)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    arrived = Counter(smtp_server.inbox.message_ids())
    assert len(arrived) == total
    assert max(arrived.values()) == 1
    with app.app_context():
        assert statuses(db.session) == {"sent": total}


def test_a_worker_keeps_its_lease_while_a_slow_server_takes_each_message(app, backend, smtp_server):
    if backend == "sqlite":
        pytest.skip("SQLite runs one worker")
    total = 2
    # Each message takes longer than the whole lease: only a renewal that does not wait for
    # the server keeps the other worker off them (a renewal every quarter, 1 s, leaves 3 s of
    # slack to a busy machine).
    app.config.update(OUTBOX_LEASE_SECONDS=4, OUTBOX_BATCH_SIZE=total)
    with app.app_context():
        queue_plain(db.session, total)
        db.session.commit()
    smtp_server.inbox.delay = 5
    errors = []
    done = threading.Event()

    def work() -> None:
        try:
            with app.app_context():
                # Round after round until all went, ten times a second like a polling worker:
                # it would take over a lease that ran out.
                while smtp_server.inbox.distinct() < total and not done.wait(0.1):
                    worker.run(once=True)
        except Exception as err:  # reported below: a thread's exception is otherwise lost
            errors.append(err)

    first = threading.Thread(target=work)
    first.start()
    smtp_server.inbox.wait_for(1)  # the first message went after 5 s: its lease was renewed
    second = threading.Thread(target=work)
    second.start()
    first.join(timeout=60)
    done.set()
    second.join(timeout=60)

    assert errors == []
    assert Counter(smtp_server.inbox.message_ids()).most_common(1)[0][1] == 1
    with app.app_context():
        assert statuses(db.session) == {"sent": total}


def test_each_round_leaves_a_heartbeat_under_host_and_process(app, session):
    start = utcnow().replace(microsecond=0)
    name = f"{socket.gethostname()}:{os.getpid()}"

    worker.run(once=True, now=start)
    assert read(session, select(WorkerHeartbeat.worker, WorkerHeartbeat.seen_at)) == [(name, start)]

    worker.run(once=True, now=start + timedelta(minutes=1))  # the same row, moved on
    assert read(session, select(WorkerHeartbeat.worker, WorkerHeartbeat.seen_at)) == [
        (name, start + timedelta(minutes=1))
    ]


def worker_command(database_url: str, environment: str) -> subprocess.CompletedProcess:
    """``flask worker --once`` as a deployment starts it: settings from the environment only,
    and no mail server configured."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAIL_")}
    env.update(DATABASE_URL=database_url, RALLYPOINT_ENV=environment, SECRET_KEY="test-secret-key")
    command = [str(Path(sys.executable).with_name("flask")), "--app", "app", "worker", "--once"]
    return subprocess.run(  # noqa: S603 - our own flask
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_production_worker_without_mail_server_refuses_to_start(session, database_url):
    queue_plain(session, 1)
    session.commit()

    finished = worker_command(database_url, "production")

    assert finished.returncode != 0
    assert "MAIL_SERVER is not set" in finished.stderr
    assert "Traceback" not in finished.stderr
    # Refused before doing anything: the message waits for a real mail server.
    assert statuses(session) == {"queued": 1}
    assert read(session, select(WorkerHeartbeat.worker)) == []


def test_development_worker_without_mail_server_uses_the_dev_mailbox(session, database_url):
    finished = worker_command(database_url, "development")

    assert finished.returncode == 0, finished.stderr
    assert len(read(session, select(WorkerHeartbeat.worker))) == 1
