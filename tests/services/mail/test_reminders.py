"""Reminders with an injected clock: due ones once, none early, moved starts followed, none
for cancelled events or RSVPs, DST-correct."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import OutboxMessage, Rsvp, Waypoint
from services import worker
from services.mail import notify, outbox
from services.mail.reminders import queue_due_reminders, queue_reminder_chunk
from services.mail.unsubscribe import suppress
from services.times import to_utc
from tests.factories import add_rsvp, make_event

START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # Sunday 13:00 in Berlin


@pytest.fixture
def app_settings(smtp_server):
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}


def reminders(session) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "reminder").order_by(OutboxMessage.id)
    ).all()
    return [(r.to_addr, r.status) for r in rows]


def test_day_before_reminder_is_queued_once_when_due_and_not_before(session):
    event = make_event(session, starts_at=START)
    add_rsvp(session, event, "ada@example.org")

    assert queue_due_reminders(session, START - timedelta(hours=24, seconds=1)) == 0
    assert queue_due_reminders(session, START - timedelta(hours=24)) == 1
    assert queue_due_reminders(session, START - timedelta(hours=23)) == 0
    assert reminders(session) == [("ada@example.org", "queued")]


def test_reminder_arrives_saying_tomorrow_and_where_to_assemble(session, smtp_server):
    event = make_event(session, starts_at=START)
    session.add(
        Waypoint(
            event_id=event.id, seq=0, lat=52.5, lon=13.4, kind="assembly", label="Brandenburger Tor"
        )
    )
    add_rsvp(session, event, "ada@example.org", name="Ada")
    session.commit()

    worker.run(once=True, now=START - timedelta(hours=23))

    [message] = smtp_server.messages
    assert message["Subject"] == "Reminder, tomorrow: March for the Climate"
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("Hello Ada,")
    assert "Tomorrow 13:00: March for the Climate, assemble at Brandenburger Tor." in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_two_hour_reminder_follows_and_a_late_worker_sends_only_the_latest(session):
    event = make_event(session, starts_at=START)
    add_rsvp(session, event, "early@example.org")
    add_rsvp(session, event, "late@example.org")

    queue_due_reminders(session, START - timedelta(hours=20))  # only "early" is seen
    session.execute(
        OutboxMessage.__table__.delete().where(OutboxMessage.to_addr == "late@example.org")
    )
    assert queue_due_reminders(session, START - timedelta(hours=1)) == 2
    keys = session.scalars(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id)).all()
    epoch = int(START.timestamp())
    assert [k.split(":")[2] for k in keys] == ["1440", "120", "120"]
    assert all(k.endswith(f":{epoch}") for k in keys)


def test_none_after_the_start(session):
    event = make_event(session, starts_at=START)
    add_rsvp(session, event, "ada@example.org")
    assert queue_due_reminders(session, START) == 0
    assert queue_due_reminders(session, START + timedelta(hours=1)) == 0


def test_none_for_cancelled_events_cancelled_rsvps_or_who_said_no(session):
    cancelled = make_event(session, starts_at=START, status="cancelled", slug="cancelled")
    add_rsvp(session, cancelled, "a@example.org")
    draft = make_event(session, starts_at=START, status="draft", slug="draft")
    add_rsvp(session, draft, "b@example.org")
    event = make_event(session, starts_at=START, slug="on")
    add_rsvp(session, event, "c@example.org", status="cancelled")
    add_rsvp(session, event, "d@example.org", status="waitlisted")
    add_rsvp(session, event, "e@example.org", wants_reminders=False)
    add_rsvp(session, event, "f@example.org")

    queue_due_reminders(session, START - timedelta(hours=1))

    assert reminders(session) == [("f@example.org", "queued")]


def test_none_whose_moment_passed_before_the_rsvp(session):
    event = make_event(session, starts_at=START)
    add_rsvp(session, event, "late@example.org", created_at=START - timedelta(hours=3))

    assert queue_due_reminders(session, START - timedelta(hours=2, minutes=30)) == 0
    assert queue_due_reminders(session, START - timedelta(hours=2)) == 1  # the 2 h one still goes
    add_rsvp(session, event, "later@example.org", created_at=START - timedelta(hours=1))
    assert queue_due_reminders(session, START - timedelta(minutes=30)) == 0


def test_moved_start_gets_new_reminders_and_drops_unsent_old_ones(session):
    event = make_event(session, starts_at=START)
    add_rsvp(session, event, "ada@example.org")
    queue_due_reminders(session, START - timedelta(hours=23))

    event.starts_at = START + timedelta(days=2)  # postponed before the reminder went out
    session.flush()
    assert queue_due_reminders(session, START - timedelta(hours=22)) == 0
    assert reminders(session) == [("ada@example.org", "dropped")]

    assert queue_due_reminders(session, event.starts_at - timedelta(hours=24)) == 1
    assert reminders(session) == [("ada@example.org", "dropped"), ("ada@example.org", "queued")]


def test_two_ticks_at_once_queue_each_reminder_once(app, session):
    from core.extensions import db

    event = make_event(session, starts_at=START)
    for i in range(5):
        add_rsvp(session, event, f"p{i}@example.org")
    session.commit()
    now = START - timedelta(hours=2)
    # Two sessions that both looked before either wrote: the unique key settles it.
    first, second = db.new_session(), db.new_session()
    try:
        assert queue_due_reminders(first, now) == 5
        first.commit()
        assert queue_due_reminders(second, now) == 0
        second.commit()
    finally:
        first.close()
        second.close()
    assert len(reminders(session)) == 5
    # Even a tick that skipped the "already queued?" look inserts nothing twice.
    rsvps = session.scalars(select(Rsvp).where(Rsvp.event_id == event.id)).all()
    rows = [notify.reminder_row(event, rsvp, 120, now) for rsvp in rsvps]
    assert outbox.enqueue_many(session, rows, now) == 0


@pytest.mark.parametrize(
    ("local_start", "utc_due"),
    [
        # Clocks go forward on 28 March 2027: 13:00 CEST is 11:00 UTC, the day before at
        # 13:00 CET is 12:00 UTC; "24 hours before" is an instant, 11:00 UTC on the 27th.
        (datetime(2027, 3, 28, 13, 0), datetime(2027, 3, 27, 11, 0, tzinfo=UTC)),
        # Clocks go back on 31 October 2027: 13:00 CET is 12:00 UTC.
        (datetime(2027, 10, 31, 13, 0), datetime(2027, 10, 30, 12, 0, tzinfo=UTC)),
    ],
)
def test_day_before_reminder_across_daylight_saving_change(session, local_start, utc_due):
    start = to_utc(local_start, "Europe/Berlin")
    event = make_event(session, starts_at=start, reminder_offsets=[1440])
    add_rsvp(session, event, "ada@example.org")

    assert queue_due_reminders(session, utc_due - timedelta(seconds=1)) == 0
    assert queue_due_reminders(session, utc_due) == 1


def test_a_tick_with_more_due_than_a_chunk_queues_all_of_them_once(session):
    first = make_event(session, starts_at=START, slug="first")
    second = make_event(session, starts_at=START, slug="second")
    for i in range(12):
        add_rsvp(session, first, f"first{i}@example.org")
    for i in range(9):
        add_rsvp(session, second, f"second{i}@example.org")
    suppress(session, "first3@example.org", START)  # found each chunk, never queued
    now = START - timedelta(hours=1)

    chunks = []
    queued, cursor = queue_reminder_chunk(session, now, limit=5)
    chunks.append(queued)
    while cursor is not None:
        queued, cursor = queue_reminder_chunk(session, now, after=cursor, limit=5)
        chunks.append(queued)

    assert max(chunks) <= 5
    assert sum(chunks) == 20
    addresses = [to for to, _status in reminders(session)]
    assert sorted(addresses) == sorted(
        [f"first{i}@example.org" for i in range(12) if i != 3]
        + [f"second{i}@example.org" for i in range(9)]
    )
    assert queue_due_reminders(session, now) == 0  # the next tick finds nothing left
