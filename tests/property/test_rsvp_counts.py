"""The RSVP counters the public page reads always equal a fresh count of the RSVPs: after any
sequence of what participants, organisers and the worker do, each (role, status) has exactly
as many RSVPs and people as grouping every RSVP finds."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.extensions import db
from models import Rsvp, RsvpCount, utcnow
from models.counts import NO_ROLE, recount
from services import rsvp as rsvps
from services.errors import DomainError
from services.rsvp import attendees
from tests.factories import add_role, make_event

# Each step: (what, whose RSVP: one of six addresses, party size, role: 0 none, 1 stewards
# with 2 places, 2 medics awaiting approval).
STEPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "submit",
                "confirm",
                "update",
                "cancel",
                "again",
                "approve",
                "decline",
                "remove",
                "expire",
                "resize_role",
                "delete_role",
                "capacity",
            ]
        ),
        st.integers(0, 5),
        st.integers(1, 3),
        st.integers(0, 2),
    ),
    max_size=25,
)


def fresh_counts(session, event_id: int) -> dict:
    rows = session.execute(
        select(
            func.coalesce(Rsvp.role_id, NO_ROLE),
            Rsvp.status,
            func.count(),
            func.sum(Rsvp.party_size),
        )
        .where(Rsvp.event_id == event_id)
        .group_by(Rsvp.role_id, Rsvp.status)
    )
    return {(role, status): (n, int(people)) for role, status, n, people in rows}


def counters(session, event_id: int) -> dict:
    rows = session.scalars(select(RsvpCount).where(RsvpCount.event_id == event_id))
    return {(c.role_key, c.status): (c.rsvps, c.people) for c in rows if c.rsvps or c.people}


def step(session, event, roles, now, what, who, size, role_n) -> None:
    email = f"p{who}@example.org"
    rsvp = session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.email == email))
    role = roles[role_n - 1] if role_n and roles[role_n - 1] in event.roles else None
    role_id = role.id if role else None
    changes = {"party_size": size, "role_id": role_id, "name": None, "wants_reminders": True}
    if what == "submit":
        rsvps.submit_rsvp(session, event, email=email, language="en", now=now, **changes)
    elif what == "expire":
        rsvps.expire_unconfirmed(session, now=now + timedelta(days=30), hours=48)
    elif what == "resize_role" and role is not None:
        attendees.update_role(
            session,
            event,
            role,
            name=role.name,
            needed=size,
            needs_approval=role.needs_approval,
            now=now,
        )
    elif what == "delete_role" and role is not None:
        attendees.delete_role(session, event, role, now)
    elif what == "capacity":
        event.capacity = size + 2
        session.flush()
        rsvps.promote_waitlist(session, event, now)
    elif rsvp is None:
        return
    elif what == "confirm":
        rsvps.confirm_rsvp(session, rsvp, now)
    elif what == "update":
        rsvps.update_rsvp(session, rsvp, now=now, **changes)
    elif what == "cancel":
        rsvps.cancel_rsvp(session, rsvp, now)
    elif what == "again":
        rsvps.rsvp_again(session, rsvp, now=now, **changes)
    elif what == "approve":
        rsvps.approve(session, event, rsvp, now)
    elif what == "decline":
        rsvps.decline(session, event, rsvp)
    elif what == "remove":
        rsvps.remove(session, event, rsvp, now)


@settings(max_examples=30)
@given(steps=STEPS)
def test_counters_equal_a_fresh_count_after_any_sequence(app, steps):
    now = utcnow()
    with app.app_context():
        session = db.session
        event = make_event(session, capacity=4, max_party_size=3)
        roles = [
            add_role(session, event, "Stewards", needed=2),
            add_role(session, event, "Medics", needs_approval=True),
        ]
        session.refresh(event)
        for what, who, size, role_n in steps:
            try:
                step(session, event, roles, now, what, who, size, role_n)
            except DomainError:
                session.rollback()
            else:
                session.commit()
            assert counters(session, event.id) == fresh_counts(session, event.id), what
        # And rebuilding them from the RSVPs (the migration's backfill) changes nothing.
        expected = counters(session, event.id)
        recount(session.connection(), [event.id])
        assert counters(session, event.id) == expected
        session.rollback()
