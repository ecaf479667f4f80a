"""What participants are told: change and cancellation notices, organiser updates, neutral
subjects, suppressed addresses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import EventChange, OutboxMessage, utcnow
from services import worker
from services.events import changes
from services.mail import notify, unsubscribe
from services.times import format_time
from tests.factories import add_rsvp, make_event


@pytest.fixture
def app_settings(smtp_server):
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_time_change_sends_one_notice_per_confirmed_rsvp_with_old_and_new_time(
    session, smtp_server
):
    event = make_event(session)
    for address in ("a@example.org", "b@example.org"):
        add_rsvp(session, event, address)
    add_rsvp(session, event, "wait@example.org", status="waitlisted")
    add_rsvp(session, event, "quiet@example.org", wants_updates=False)
    before = changes.snapshot(event)
    old_time = format_time(event.starts_at, event.timezone)
    event.starts_at += timedelta(hours=1)
    event.ends_at += timedelta(hours=1)
    new_time = format_time(event.starts_at, event.timezone)
    recorded = changes.record(session, event, before, utcnow())
    notify.event_changed(session, event, recorded, utcnow())  # twice for one revision: sent once
    session.commit()

    worker.run(once=True)

    assert sorted(m["To"] for m in smtp_server.messages) == ["a@example.org", "b@example.org"]
    message = smtp_server.inbox.to("a@example.org")[0]
    assert message["Subject"] == "Changed: March for the Climate"
    text = text_of(message)
    assert old_time in text and new_time in text
    assert any(p.get_content_type() == "text/calendar" for p in message.iter_attachments())


def test_cancellation_gives_the_reason_and_reaches_the_waitlist(session, smtp_server):
    event = make_event(session)
    add_rsvp(session, event, "a@example.org")
    add_rsvp(session, event, "wait@example.org", status="waitlisted")
    event.status = "cancelled"
    event.cancel_reason = "The police banned the route; we will announce a new date."
    event.revision += 1
    change = EventChange(
        event_id=event.id, revision=event.revision, kind="status", summary="The march is cancelled."
    )
    session.add(change)
    session.flush()
    notify.event_changed(session, event, [change], utcnow())
    session.commit()

    worker.run(once=True)

    assert sorted(m["To"] for m in smtp_server.messages) == ["a@example.org", "wait@example.org"]
    message = smtp_server.messages[0]
    assert message["Subject"] == "Cancelled: March for the Climate"
    assert "is cancelled" in text_of(message)
    assert "The police banned the route" in text_of(message)


def test_neutral_subject_hides_the_title_from_subject_and_preview(session, smtp_server):
    event = make_event(session, neutral_subject="Sunday walk")
    rsvp = add_rsvp(session, event, "a@example.org", name="Ada")
    notify.rsvp_received(session, event, rsvp, utcnow())
    session.commit()

    worker.run(once=True)

    [message] = smtp_server.messages
    assert message["Subject"] == "You are confirmed: Sunday walk"
    text = text_of(message)
    first_line = text.splitlines()[0]
    assert first_line == "Hello Ada,"
    assert "March for the Climate" in text  # the body still says what it is


def test_organiser_update_optionally_reaches_the_waitlist(session):
    event = make_event(session)
    add_rsvp(session, event, "a@example.org")
    add_rsvp(session, event, "wait@example.org", status="waitlisted")
    first = EventChange(
        event_id=event.id, revision=0, kind="update", summary="Bring water.", is_update=True
    )
    second = EventChange(
        event_id=event.id, revision=0, kind="update", summary="Rain gear!", is_update=True
    )
    session.add_all([first, second])
    session.flush()

    now = utcnow()
    notify.organiser_update(session, event, first, now)
    notify.organiser_update(session, event, second, now, include_waitlist=True)
    notify.organiser_update(session, event, second, now, include_waitlist=True)  # retried: no-op

    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.change_id, r.to_addr) for r in rows] == [
        (first.id, "a@example.org"),
        (second.id, "a@example.org"),
        (second.id, "wait@example.org"),
    ]
    assert "Rain gear!" in rows[-1].body_text


def test_suppressed_address_gets_nothing(session):
    event = make_event(session)
    rsvp = add_rsvp(session, event, "never@example.org")
    unsubscribe.suppress(session, "Never@Example.org ", utcnow())
    notify.rsvp_received(session, event, rsvp, utcnow())
    change = EventChange(event_id=event.id, revision=0, kind="update", summary="Hi", is_update=True)
    session.add(change)
    session.flush()
    notify.organiser_update(session, event, change, utcnow())
    assert session.scalars(select(OutboxMessage)).all() == []


def test_reminder_is_written_in_the_language_the_participant_rsvped_in(session, smtp_server):
    # Rendered by the worker, with no request: the RSVP's language decides, not the process.
    # The German catalogue comes later; the date, formatted by services.times, already shows
    # which locale the email was rendered under.
    start = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # Sunday 13:00 in Berlin
    event = make_event(session, starts_at=start)
    add_rsvp(session, event, "de@example.org", language="de")
    add_rsvp(session, event, "en@example.org", language="en")
    session.commit()

    worker.run(once=True, now=start - timedelta(hours=23))

    german = text_of(smtp_server.inbox.to("de@example.org")[0])
    english = text_of(smtp_server.inbox.to("en@example.org")[0])
    assert "Sonntag, 29. November 2026, 13:00 Uhr CET" in german
    assert "Sunday" not in german
    assert "Sunday 29 November 2026, 13:00 CET" in english
    assert "Sonntag" not in english
