"""Organisers find a participant by part of their name or email (three letters or more:
anywhere; one or two: a word's start), on PostgreSQL through the trigram indexes."""

from __future__ import annotations

from sqlalchemy import text

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
