"""200 people RSVP and confirm at the same instant for 50 seats: nobody is oversold, ever.

On PostgreSQL this is what the row lock in ``services.rsvp.lock_event`` is for: without it
(checked by hand: see the report of issue 5) the same test confirms far more than 50. On
SQLite every writing transaction holds the database's write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from core.extensions import db
from models import Rsvp, utcnow
from services import rsvp as rsvps
from tests.factories import make_event

PEOPLE = 200
SEATS = 50
# The engine's default pool holds 15 connections (5 + 10 overflow); threads beyond that
# wait for one, which still leaves many transactions racing for the last seats.
WORKERS = 40


def test_two_hundred_simultaneous_rsvps_fill_fifty_seats_exactly(app, session):
    event = make_event(session, capacity=SEATS)
    barrier = threading.Barrier(WORKERS)

    def attempt(n: int) -> str:
        with app.app_context():
            # Release each wave of threads together (a broken barrier: the last, smaller wave).
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=30)
            with db.transaction() as s:
                rsvp_id = rsvps.submit_rsvp(
                    s,
                    event,
                    email=f"person{n}@example.org",
                    name=None,
                    party_size=1,
                    role_id=None,
                    wants_reminders=True,
                    language="en",
                    now=utcnow(),
                ).id
            # Seats are taken at confirmation, under the same lock.
            with db.transaction() as s:
                return rsvps.confirm_rsvp(s, s.get(Rsvp, rsvp_id), utcnow()).status

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        statuses = list(pool.map(attempt, range(PEOPLE)))

    assert statuses.count("confirmed") == SEATS
    assert statuses.count("waitlisted") == PEOPLE - SEATS
    rows = session.scalars(select(Rsvp).order_by(Rsvp.id)).all()
    confirmed = [r for r in rows if r.status == "confirmed"]
    waitlisted = [r for r in rows if r.status == "waitlisted"]
    assert sum(r.party_size for r in confirmed) == SEATS
    # The waitlist is ordered by arrival, and positions run 1..150 without gaps or ties.
    queue = sorted(waitlisted, key=lambda r: (r.waitlisted_at, r.id))
    positions = [rsvps.waitlist_position(session, r) for r in queue]
    assert positions == list(range(1, PEOPLE - SEATS + 1))
