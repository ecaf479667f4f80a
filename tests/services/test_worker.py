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
from sqlalchemy import func, select

from core.extensions import db
from models import OutboxMessage, WorkerHeartbeat, utcnow
from services import worker
from services.mail import notify, outbox
from services.rsvp import confirm_rsvp, submit_rsvp
from tests.factories import make_event

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
    rsvp = submit_rsvp(
        session,
        event,
        email="Ada@Example.org",
        name="Ada",
        party_size=1,
        role_id=None,
        wants_reminders=True,
        language="en",
        now=utcnow(),
    )  # queues the link to confirm it
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


def test_worker_killed_mid_batch_loses_nothing(app, session, smtp_server, database_url):
    total, batch = 40, 10
    queue_plain(session, total)
    session.commit()
    smtp_server.inbox.delay = 0.05  # slow enough that the kill lands mid-batch
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MAIL_SERVER": smtp_server.host,
        "MAIL_PORT": str(smtp_server.port),
        "OUTBOX_LEASE_SECONDS": "2",
        "OUTBOX_BATCH_SIZE": str(batch),
        "OUTBOX_POLL_SECONDS": "0.2",
        "SECRET_KEY": "test-secret-key",
    }
    command = [str(Path(sys.executable).with_name("flask")), "--app", "app", "worker"]

    first = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own flask
    smtp_server.inbox.wait_for(15)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert len(smtp_server.messages) < total

    smtp_server.inbox.delay = 0
    second = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own flask
    try:
        smtp_server.inbox.wait_for(total, timeout=60)
        arrived = Counter(m["To"] for m in smtp_server.messages)
        assert set(arrived) == {f"person{i}@example.org" for i in range(total)}
        assert sum(n - 1 for n in arrived.values()) <= batch
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0  # a clean stop
    assert statuses(session) == {"sent": total}


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
