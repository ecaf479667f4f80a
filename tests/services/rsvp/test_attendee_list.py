"""Organisers page through the list, oldest first, and find a participant by part of their
name or email (three letters or more: anywhere; one or two: a word's start), on PostgreSQL
through the trigram indexes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, text

from models import Rsvp, utcnow
from services.rsvp import attendees
from tests.factories import make_event, make_user, rsvp

PEOPLE = {
    "anna.schulz@mail.de": "Anna Schulz",
    "jo@posteo.net": "Joanne Berger",
    "bob@mail.de": "Bob Anders",
    "pct@mail.de": "100% Pat",
}


def found(session, event, q: str) -> set[str]:
    return {r.name for r in attendees.attendee_page(session, event, q=q).rsvps}


def test_search_matches_part_of_a_name_or_an_email(session):
    event = make_event(session, make_user(session).id)
    for email, name in PEOPLE.items():
        rsvp(session, event, email, name=name)
    assert found(session, event, "ANN") == {"Anna Schulz", "Joanne Berger"}
    assert found(session, event, "posteo") == {"Joanne Berger"}
    assert found(session, event, "an") == {"Anna Schulz", "Bob Anders"}  # a word starts so
    assert found(session, event, "b") == {"Bob Anders", "Joanne Berger"}
    assert found(session, event, "00%") == {"100% Pat"}  # % is a letter here, not a wildcard
    assert found(session, event, "_") == set()
    assert attendees.attendee_page(session, event, q="mail.de").total == 3


def test_postgres_has_the_trigram_indexes(session):
    if session.bind.dialect.name != "postgresql":
        return  # SQLite scans the event's rows (found by its index) instead
    indexes = dict(
        session.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'rsvps'")
        ).all()
    )
    for column in ("email", "name"):
        assert "USING gin" in indexes[f"ix_rsvps_{column}_trgm"]
        assert "gin_trgm_ops" in indexes[f"ix_rsvps_{column}_trgm"]


def test_every_page_in_order_also_those_read_from_the_end(session):
    event = make_event(session, make_user(session).id)
    now = utcnow()
    count = 4 * attendees.PER_PAGE + 30
    rows = [
        {
            "event_id": event.id,
            "email": f"p{n}@example.org",
            "name": f"Person {n}",
            "status": "confirmed",
            "token_salt": f"s{n}",
            "token_hash": f"h{n}",
            "created_at": now - timedelta(minutes=count - n),
        }
        for n in range(count)
    ]
    session.execute(insert(Rsvp), rows)
    session.commit()
    pages = [attendees.attendee_page(session, event, page=n) for n in range(1, 6)]
    assert [len(p.rsvps) for p in pages] == [50, 50, 50, 50, 30]
    listed = [r.name for p in pages for r in p.rsvps]
    assert listed == [f"Person {n}" for n in range(count)]
    assert attendees.attendee_page(session, event, page=99).rsvps == pages[-1].rsvps
