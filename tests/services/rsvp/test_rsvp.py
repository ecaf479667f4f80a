"""Placing RSVPs: seats, roles, the waitlist and its promotion, manage tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import OutboxMessage, Rsvp, utcnow
from services import rsvp as rsvps
from services import tokens
from services.errors import DomainError
from services.rsvp import attendees
from tests.factories import add_role, make_event, rsvp


@pytest.fixture
def req(app):
    """A request context: promotions queue email, whose links need one."""
    with app.test_request_context():
        yield


def test_rsvp_confirms_until_capacity_then_waitlists_in_order(session):
    event = make_event(session, capacity=4)
    first = rsvp(session, event, "a@example.org", party_size=3)
    second = rsvp(session, event, "b@example.org", party_size=2)
    third = rsvp(session, event, "c@example.org", party_size=1)
    assert [first.status, second.status, third.status] == ["confirmed", "waitlisted", "confirmed"]
    fourth = rsvp(session, event, "d@example.org")
    assert fourth.status == "waitlisted"
    assert rsvps.waitlist_position(session, second) == 1
    assert rsvps.waitlist_position(session, fourth) == 2


def test_same_email_changes_nothing_and_keeps_its_token(session):
    event = make_event(session)
    first = rsvp(session, event, "Anna@Example.org", party_size=1, name="Anna")
    salt, token_hash = first.token_salt, first.token_hash
    again = rsvp(session, event, " anna@example.ORG ", party_size=3, name="Anna B")
    assert again.id == first.id
    rows = session.scalars(select(Rsvp)).all()
    assert len(rows) == 1
    assert (rows[0].party_size, rows[0].name, rows[0].email) == (1, "Anna", "anna@example.org")
    assert (rows[0].token_salt, rows[0].token_hash) == (salt, token_hash)


def test_token_opens_only_its_rsvp_and_bad_tokens_open_none(session, app):
    event = make_event(session)
    mine = rsvp(session, event, "a@example.org")
    token = tokens.rsvp_token(mine.token_salt)
    assert len(token) == 43  # 256 bits, URL-safe
    assert mine.token_hash == tokens.token_hash(token) != token
    assert rsvps.rsvp_by_token(session, token).id == mine.id
    for bad in ("", "short", token[:-1] + ("A" if token[-1] != "A" else "B"), "../" + token):
        assert rsvps.rsvp_by_token(session, bad) is None
    mine.purged_at = utcnow()
    session.commit()
    assert rsvps.rsvp_by_token(session, token) is None


def test_role_places_are_counted_apart_and_full_role_waitlists(session):
    event = make_event(session, capacity=100)
    medics = add_role(session, event, "Medics", needed=2)
    # A role counts volunteers: a medic who brings a friend fills one medic place.
    assert rsvp(session, event, "m1@example.org", party_size=2, role=medics).status == "confirmed"
    assert rsvp(session, event, "m2@example.org", role=medics).status == "confirmed"
    late = rsvp(session, event, "m3@example.org", role=medics)
    assert late.status == "waitlisted"
    assert rsvp(session, event, "p@example.org", party_size=5).status == "confirmed"
    counted = attendees.totals(session, event)
    assert (counted.people, counted.line(medics.id).people, counted.line(None).people) == (8, 2, 6)


def test_role_needing_approval_waits_then_approval_seats_it(session):
    event = make_event(session)
    legal = add_role(session, event, "Legal observers", needs_approval=True)
    request = rsvp(session, event, "l@example.org", role=legal)
    assert request.status == "pending_approval"
    rsvps.approve(session, event, request, utcnow())
    assert request.status == "confirmed"
    with pytest.raises(DomainError, match="already answered"):
        rsvps.decline(session, event, request)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"party_size": 0}, "party_size"),
        ({"party_size": 6}, "party_size"),
        ({"role_id": 999}, "role_id"),
    ],
)
def test_bad_rsvp_is_refused_and_stores_nothing(session, change, field):
    event = make_event(session)
    args = {
        "email": "a@example.org",
        "name": None,
        "party_size": 1,
        "role_id": None,
        "wants_reminders": True,
        "language": "en",
        "now": utcnow(),
    }
    with pytest.raises(DomainError) as err:
        rsvps.submit_rsvp(session, event, **{**args, **change})
    assert err.value.field == field
    session.rollback()
    assert session.scalars(select(Rsvp)).all() == []


def test_role_of_another_event_is_refused(session):
    event, other = make_event(session), make_event(session)
    foreign = add_role(session, other, "Stewards")
    with pytest.raises(DomainError, match="Choose one of the roles"):
        rsvp(session, event, "a@example.org", role=foreign)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"status": "draft"}, "closed"),
        ({"status": "cancelled"}, "cancelled"),
        ({"rsvp_deadline_at": utcnow() - timedelta(minutes=1)}, "deadline"),
        ({"starts_at": utcnow() - timedelta(hours=1)}, "closed"),
    ],
)
def test_closed_events_refuse_rsvps(session, columns, message):
    event = make_event(session, **columns)
    with pytest.raises(DomainError, match=message):
        rsvp(session, event, "a@example.org")


def test_cancellation_promotes_first_waitlisted_that_fits(session, req):
    event = make_event(session, capacity=4)
    leaving = rsvp(session, event, "leaving@example.org", party_size=2)
    rsvp(session, event, "staying@example.org", party_size=2)
    big = rsvp(session, event, "big@example.org", party_size=3)
    small = rsvp(session, event, "small@example.org", party_size=2)
    later = rsvp(session, event, "later@example.org", party_size=1)
    assert [big.status, small.status, later.status] == ["waitlisted"] * 3

    promoted = rsvps.cancel_rsvp(session, leaving, utcnow())
    session.commit()

    # 2 seats free: the party of 3 does not fit and keeps its place at the head of the queue;
    # the party of 2 behind it does, and fills the seats, so the party of 1 waits.
    assert [r.email for r in promoted] == ["small@example.org"]
    assert (big.status, small.status, later.status) == ("waitlisted", "confirmed", "waitlisted")
    assert rsvps.waitlist_position(session, big) == 1
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "rsvp_promoted"))
    assert [m.to_addr for m in mail] == ["small@example.org"]


def test_smaller_party_and_larger_capacity_promote(session, req):
    event = make_event(session, capacity=3)
    host = rsvp(session, event, "host@example.org", party_size=3)
    guest = rsvp(session, event, "guest@example.org", party_size=1)
    rsvps.update_rsvp(
        session, host, party_size=2, role_id=None, name=None, wants_reminders=True, now=utcnow()
    )
    session.commit()
    assert guest.status == "confirmed"

    third = rsvp(session, event, "third@example.org", party_size=2)
    assert third.status == "waitlisted"
    event.capacity = 5
    session.flush()
    assert rsvps.promote_waitlist(session, event, utcnow()) == [third]


def test_confirmed_change_that_does_not_fit_is_refused_and_keeps_the_seat(session):
    event = make_event(session, capacity=3)
    mine = rsvp(session, event, "mine@example.org", party_size=2)
    rsvp(session, event, "other@example.org", party_size=1)
    with pytest.raises(DomainError, match="room for at most 2 in your party") as err:
        rsvps.update_rsvp(
            session, mine, party_size=3, role_id=None, name="x", wants_reminders=True, now=utcnow()
        )
    assert err.value.field == "party_size"
    session.rollback()
    assert (mine.status, mine.party_size) == ("confirmed", 2)


def test_waitlisted_resubmission_keeps_its_place(session):
    event = make_event(session, capacity=1)
    rsvp(session, event, "in@example.org")
    first = rsvp(session, event, "first@example.org", now=utcnow())
    second = rsvp(session, event, "second@example.org", now=utcnow() + timedelta(seconds=1))
    before = first.waitlisted_at
    again = rsvp(session, event, "first@example.org", name="First", now=utcnow() + timedelta(2))
    assert again.waitlisted_at == before
    assert rsvps.waitlist_position(session, again) == 1
    assert rsvps.waitlist_position(session, second) == 2
