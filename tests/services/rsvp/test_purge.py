"""Names and emails are erased 14 days after an event ends; the counts remain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Base, OutboxMessage, Rsvp, utcnow
from services.rsvp import attendees
from services.rsvp.purge import purge_ended_events
from tests.factories import make_event, rsvp

OLD = [("Alice Oldmarch", "alice.old@example.org", 2), ("Bob Oldmarch", "bob.old@example.org", 1)]


@pytest.fixture
def ended(app, session):
    """An event that ended 15 days ago, whose participants got mail (one sent, one not)."""
    event = make_event(session, capacity=10)
    with app.test_request_context():
        for name, email, size in OLD:
            rsvp(session, event, email, size, name=name)  # queues "confirm" and "confirmed"
    sent = session.scalars(select(OutboxMessage)).first()
    sent.status, sent.sent_at = "sent", utcnow()
    sent.last_error = "450 mailbox of alice.old@example.org busy"
    session.commit()
    event.starts_at = utcnow() - timedelta(days=15, hours=3)
    event.ends_at = utcnow() - timedelta(days=15)
    session.commit()
    return event


def every_string_in_the_database(session) -> str:
    """Every value of every row of every table, as one lower-cased text."""
    values = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            values.extend(str(value) for value in row if value is not None)
    return "\n".join(values).lower()


def test_purge_erases_names_and_emails_everywhere_and_keeps_counts(app, session, ended):
    recent = make_event(session)
    with app.test_request_context():
        rsvp(session, recent, "carol.recent@example.org", name="Carol Recent")
    session.commit()
    recent.ends_at = utcnow() - timedelta(days=13)  # within the 14 days: kept
    session.commit()
    before = attendees.totals(session, ended)

    erased = purge_ended_events(session, now=utcnow(), retention_days=14)
    session.commit()

    assert erased == 2
    text = every_string_in_the_database(session)
    for name, email, _size in OLD:
        assert name.lower() not in text
        assert email not in text
        assert email.split("@")[0] not in text
    assert "carol.recent@example.org" in text and "carol recent" in text

    after = attendees.totals(session, ended)
    assert (after.rsvps, after.people) == (before.rsvps, before.people) == (2, 3)
    rows = session.scalars(select(Rsvp).where(Rsvp.event_id == ended.id)).all()
    assert all(r.purged_at is not None and r.email is None and r.name is None for r in rows)
    mail = session.scalars(
        select(OutboxMessage).where(OutboxMessage.event_id == ended.id).order_by(OutboxMessage.id)
    ).all()
    assert [m.status for m in mail] == ["sent", "dropped", "dropped", "dropped"]
    assert all(m.to_addr is None and m.body_text == "" for m in mail)


def test_purge_is_idempotent_and_the_cli_reports_it(app, session, ended):
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "Erased the details of 2 RSVPs." in result.output
    assert purge_ended_events(session, now=utcnow(), retention_days=14) == 0


def test_retention_days_is_honoured(session, ended):
    assert purge_ended_events(session, now=utcnow(), retention_days=30) == 0
    assert purge_ended_events(session, now=utcnow(), retention_days=15) == 2
