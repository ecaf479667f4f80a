"""A place frees up close to the start: the participant promoted from the waitlist gets one
email that says both (you have a place, and the reminder: when and where), never a promotion
and a reminder in the same second. Real RSVP services, the real worker and SMTP server, the
clock injected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import OutboxMessage, Waypoint
from services import rsvp as rsvps
from services import worker
from services.urls import manage_url
from tests.factories import add_role, make_event, rsvp, submit_rsvp

START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # Sunday 13:00 in Berlin
EARLY = START - timedelta(days=3)  # when Ada and Ben RSVPed


@pytest.fixture
def app_settings(smtp_server):
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}


@pytest.fixture
def full_march(session, smtp_server):
    """A march with one place (reminders 24 h and 2 h before): Ada has it, Ben waits. Their
    confirmations are sent; the inbox starts empty."""
    event = make_event(session, starts_at=START, capacity=1, reminder_offsets=[1440, 120])
    session.add(
        Waypoint(
            event_id=event.id, seq=0, lat=52.5, lon=13.4, kind="assembly", label="Brandenburger Tor"
        )
    )
    session.commit()
    ada = rsvp(session, event, "ada@example.org", now=EARLY)
    ben = rsvp(session, event, "ben@example.org", now=EARLY, name="Ben")
    assert (ada.status, ben.status) == ("confirmed", "waitlisted")
    worker.run(once=True, now=EARLY)
    smtp_server.inbox.raw.clear()
    return event, ada, ben


def ada_cancels(session, ada, now: datetime) -> None:
    rsvps.cancel_rsvp(session, ada, now)
    session.commit()


def mail_to_ben(smtp_server) -> list[tuple[str, str]]:
    return [
        (str(m["Subject"]), m.get_body(("plain",)).get_content())
        for m in smtp_server.inbox.to("ben@example.org")
    ]


@pytest.mark.parametrize(
    "before", [timedelta(hours=1, minutes=50), timedelta(hours=2, minutes=30)], ids=str
)
def test_promotion_near_the_two_hour_reminder_is_one_email_saying_both(
    session, smtp_server, full_march, before
):
    event, ada, ben = full_march
    ada_cancels(session, ada, START - before)

    # The worker goes round from then until the start: nothing more for Ben.
    for now in (START - before, START - timedelta(hours=2), START - timedelta(minutes=30)):
        worker.run(once=True, now=now)

    [(subject, text)] = mail_to_ben(smtp_server)
    assert subject == "You have a place, today: March for the Climate"
    assert "a place freed up and you are now confirmed" in text
    assert "Today 13:00: March for the Climate, assemble at Brandenburger Tor." in text
    assert "Starts: Sunday 29 November 2026, 13:00 CET" in text
    assert manage_url(ben) in text
    # Each reminder is on record as said by the promotion, so no tick can send it.
    session.expire_all()
    folded = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.rsvp_id == ben.id, OutboxMessage.kind == "reminder"
        )
    ).all()
    assert sorted((r.dedupe_key.split(":")[2], r.status) for r in folded) == [
        ("120", "dropped"),
        ("1440", "dropped"),
    ]
    assert {r.last_error for r in folded} == {"sent with the email confirming the place"}


def test_a_reminder_more_than_an_hour_after_the_promotion_still_comes_on_its_own(
    session, smtp_server, full_march
):
    event, ada, ben = full_march
    ada_cancels(session, ada, START - timedelta(hours=5))  # the 24 h reminder is overdue

    for hours in (5, 4, 2, 1):
        worker.run(once=True, now=START - timedelta(hours=hours))

    [(promoted, text), (reminder, _text)] = mail_to_ben(smtp_server)
    assert promoted == "You have a place, today: March for the Climate"
    assert "Today 13:00: March for the Climate" in text  # the 24 h one, said here
    assert reminder == "Reminder, today: March for the Climate"  # the 2 h one, at its time


def test_a_promotion_days_ahead_says_only_that_and_the_reminders_come_later(
    session, smtp_server, full_march
):
    event, ada, ben = full_march
    ada_cancels(session, ada, START - timedelta(hours=30))

    for hours in (30, 24, 2):
        worker.run(once=True, now=START - timedelta(hours=hours))

    subjects = [subject for subject, _text in mail_to_ben(smtp_server)]
    assert subjects == [
        "You have a place: March for the Climate",
        "Reminder, tomorrow: March for the Climate",
        "Reminder, today: March for the Climate",
    ]


def test_a_reminder_falling_due_while_the_promotion_waits_is_not_sent_apart(
    session, smtp_server, full_march
):
    event, ada, ben = full_march
    ada_cancels(session, ada, START - timedelta(hours=4))
    # The worker was down from then until ten minutes after the 2 h reminder was due.

    worker.run(once=True, now=START - timedelta(hours=1, minutes=50))
    worker.run(once=True, now=START - timedelta(hours=1))

    [(subject, text)] = mail_to_ben(smtp_server)
    assert subject == "You have a place, today: March for the Climate"
    assert "Starts: Sunday 29 November 2026, 13:00 CET" in text


def mail_to(smtp_server, address: str) -> list[tuple[str, str]]:
    return [
        (str(m["Subject"]), m.get_body(("plain",)).get_content())
        for m in smtp_server.inbox.to(address)
    ]


def test_an_approval_near_the_two_hour_reminder_is_one_email_saying_both(
    session, smtp_server, full_march
):
    event, _ada, _ben = full_march
    event.capacity = None  # a place for her once approved
    medics = add_role(session, event, "Medics", needs_approval=True)
    cleo = rsvp(session, event, "cleo@example.org", role=medics, now=EARLY)
    assert cleo.status == "pending_approval"
    worker.run(once=True, now=EARLY)
    smtp_server.inbox.raw.clear()

    rsvps.approve(session, event, cleo, START - timedelta(hours=2, minutes=30))
    session.commit()
    for now in (START - timedelta(hours=2, minutes=30), START - timedelta(hours=2)):
        worker.run(once=True, now=now)

    [(subject, text)] = mail_to(smtp_server, "cleo@example.org")
    assert subject == "You are confirmed, today: March for the Climate"
    assert "Today 13:00: March for the Climate, assemble at Brandenburger Tor." in text


def test_a_confirmation_minutes_before_a_reminder_says_it_and_no_reminder_follows(
    session, smtp_server, full_march
):
    event, _ada, _ben = full_march
    event.capacity = None
    session.commit()
    # Dan RSVPs ten minutes before the two-hour reminder and confirms five minutes later.
    submitted = submit_rsvp(
        session, event, "dan@example.org", now=START - timedelta(hours=2, minutes=10)
    )
    rsvps.confirm_rsvp(session, submitted, START - timedelta(hours=2, minutes=5))
    session.commit()
    for now in (START - timedelta(hours=2, minutes=5), START - timedelta(hours=2)):
        worker.run(once=True, now=now)

    subjects = [subject for subject, _text in mail_to(smtp_server, "dan@example.org")]
    assert subjects == [
        "Your RSVP: March for the Climate",  # the link to confirm it
        "You are confirmed, today: March for the Climate",
    ]


def test_a_confirmation_days_ahead_says_only_that(session, smtp_server, full_march):
    event, _ada, _ben = full_march
    event.capacity = None
    session.commit()
    rsvp(session, event, "eve@example.org", now=START - timedelta(days=2))
    for hours in (48, 24, 2):
        worker.run(once=True, now=START - timedelta(hours=hours))

    subjects = [subject for subject, _text in mail_to(smtp_server, "eve@example.org")]
    assert subjects == [
        "Your RSVP: March for the Climate",
        "You are confirmed: March for the Climate",
        "Reminder, tomorrow: March for the Climate",
        "Reminder, today: March for the Climate",
    ]
