"""What participants are told: change and cancellation notices, organiser updates, neutral
subjects, suppressed addresses."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.extensions import db
from models import EventChange, OutboxMessage, utcnow
from services import worker
from services.events import changes
from services.mail import fanout, notify, unsubscribe
from services.times import format_time
from tests.factories import add_rsvp, make_event


@pytest.fixture
def app_settings(smtp_server):
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}


def expand_all(now) -> None:
    """What the worker does with the notices' jobs before sending."""
    db.session.commit()  # the jobs written so far, and a fresh snapshot after
    while fanout.expand_due(db.transaction, now):
        pass
    db.session.commit()
    db.session.expire_all()


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
    now = utcnow()
    recorded = changes.record(session, event, before, now)
    notify.event_changed(session, event, recorded, now)  # twice for one revision: sent once
    session.commit()

    worker.run(once=True, now=now)
    assert smtp_server.messages == []  # the grace period: a typo can still be corrected
    worker.run(once=True, now=now + timedelta(minutes=5))

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


def inbox_list_view(message) -> dict:
    """What a mail app shows in its list: sender, subject, preview, attachment names (and the
    calendar summary some apps show beside them)."""
    text = text_of(message)
    html = message.get_body(("html",)).get_content()
    preheader = re.search(r'<div style="display: none[^>]*>(.*?)</div>', html, re.S)
    attachments = list(message.iter_attachments())
    return {
        "from": message["From"],
        "subject": message["Subject"],
        "text_preview": text.split("Hello")[0],  # everything before the greeting
        "first_line": text.splitlines()[0],
        "preheader": preheader.group(1) if preheader else "",
        "html_preview": html.split("<p>Hello")[0],
        "files": [a.get_filename() for a in attachments],
        "summaries": [
            line
            for a in attachments
            for line in a.get_content().splitlines()
            if line.startswith("SUMMARY")
        ],
    }


def test_neutral_subject_hides_the_title_everywhere_an_inbox_list_looks(session, smtp_server):
    event = make_event(session, neutral_subject="Sunday walk")
    rsvp = add_rsvp(session, event, "a@example.org", name="Ada")
    new = add_rsvp(session, event, "new@example.org", status="unconfirmed", created_at=utcnow())
    notify.rsvp_received(session, event, rsvp, utcnow())  # with the calendar attached
    notify.rsvp_promoted(session, event, rsvp, utcnow())
    notify.rsvp_exists(session, event, rsvp, utcnow())
    notify.rsvp_confirm(session, event, new, utcnow(), hours=24)
    session.commit()

    worker.run(once=True)

    assert len(smtp_server.messages) == 4
    for message in smtp_server.messages:
        seen = inbox_list_view(message)
        assert "March" not in str(seen) and "Climate" not in str(seen), seen
        assert seen["subject"].endswith(": Sunday walk")
        assert seen["first_line"].startswith("About ")
        assert seen["preheader"].startswith(seen["first_line"])
        assert "March for the Climate" in text_of(message)  # the body still says what it is
    received = smtp_server.inbox.to("a@example.org")[0]
    assert inbox_list_view(received)["files"] == ["event.ics"]
    assert inbox_list_view(received)["summaries"] == ["SUMMARY:Sunday walk"]


def test_the_two_answers_to_the_form_look_alike_in_an_inbox(session, smtp_server):
    event = make_event(session)
    known = add_rsvp(session, event, "known@example.org", name="Kim")
    new = add_rsvp(
        session, event, "new@example.org", status="unconfirmed", name="Typed", created_at=utcnow()
    )
    notify.rsvp_exists(session, event, known, utcnow())
    notify.rsvp_confirm(session, event, new, utcnow(), hours=24)
    session.commit()

    worker.run(once=True)

    exists = inbox_list_view(smtp_server.inbox.to("known@example.org")[0])
    confirm = inbox_list_view(smtp_server.inbox.to("new@example.org")[0])
    for key in ("from", "subject", "first_line", "preheader", "files"):
        assert exists[key] == confirm[key], key
    # An unconfirmed RSVP's name was typed by whoever sent the form: it is not repeated.
    assert "Typed" not in text_of(smtp_server.inbox.to("new@example.org")[0])


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
    session.commit()
    assert session.scalars(select(OutboxMessage)).all() == []  # the worker expands the jobs
    expand_all(now)

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
    expand_all(utcnow())
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
