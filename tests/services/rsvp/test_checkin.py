"""Checking volunteers in: who has a code, what a code does once and twice, what an unknown
code says, and that check-ins go with the participants' details."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from models import CheckIn, Event, utcnow
from services import tokens
from services.errors import DomainError
from services.rsvp import checkin as checkins
from services.rsvp import purge
from tests.factories import NOW, add_role, add_rsvp, make_event, make_user


@pytest.fixture
def event(session):
    owner = make_user(session, "owner@example.org")
    # 12:00 UTC on 1 November 2026 is 13:00 in Berlin (CET).
    return make_event(session, owner.id, starts_at=NOW, ends_at=NOW + timedelta(hours=3))


@pytest.fixture
def stewards(session, event):
    return add_role(session, event, "Stewards", needed=4)


def code_of(rsvp) -> str:
    return checkins.code_for(rsvp)


def test_only_confirmed_volunteers_have_a_code(session, event, stewards):
    volunteer = add_rsvp(session, event, "v@example.org", role_id=stewards.id)
    marcher = add_rsvp(session, event, "m@example.org")
    waiting = add_rsvp(session, event, "w@example.org", role_id=stewards.id, status="waitlisted")
    pending = add_rsvp(
        session, event, "p@example.org", role_id=stewards.id, status="pending_approval"
    )
    code = code_of(volunteer)
    assert len(code) == 12 and code[3] == code[7] == "-"
    assert set(code.replace("-", "")) <= set(tokens.CROCKFORD)
    assert code_of(marcher) is None and code_of(waiting) is None and code_of(pending) is None
    # Not the manage token, and the same every time it is shown.
    assert code.replace("-", "") not in tokens.rsvp_token(volunteer.token_salt)
    assert code_of(volunteer) == code


def test_a_code_checks_in_once_then_says_when(session, event, stewards):
    volunteer = add_rsvp(session, event, "v@example.org", name="Ada", role_id=stewards.id)
    code = code_of(volunteer)
    typed = " " + code.lower().replace("-", " - ") + " "  # case, spaces and dashes
    first = checkins.check_in_code(session, event, typed, steward_link_id=None, now=NOW)
    assert first.is_checked_in and "Ada" in first.message and "Stewards" in first.message
    again = checkins.check_in_code(
        session, event, code, steward_link_id=None, now=NOW + timedelta(minutes=5)
    )
    assert not again.is_checked_in
    assert again.message == "Already checked in at 13:00."  # the event's zone
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_unknown_code_answers_in_the_same_shape(session, event, stewards):
    volunteer = add_rsvp(session, event, "v@example.org", role_id=stewards.id)
    checkins.check_in_code(session, event, code_of(volunteer), steward_link_id=None, now=NOW)
    used = checkins.check_in_code(session, event, code_of(volunteer), steward_link_id=None, now=NOW)
    unknown = checkins.check_in_code(session, event, "AAAA-BBB-CCC", steward_link_id=None, now=NOW)
    assert type(unknown) is type(used)
    assert (unknown.is_checked_in, used.is_checked_in) == (False, False)
    assert "No volunteer" in unknown.message


def test_a_code_of_another_event_is_unknown_here(session, event, stewards):
    other = make_event(session, make_user(session, "o@example.org").id, slug="other-march")
    theirs = add_rsvp(session, other, "t@example.org", role_id=add_role(session, other).id)
    result = checkins.check_in_code(session, event, code_of(theirs), steward_link_id=None, now=NOW)
    assert not result.is_checked_in


def test_what_cannot_be_a_code_is_an_error_on_the_field(session, event):
    for typed in ("", "ABC", "K7Q-4MZ-X2P!", "U" * 10):
        with pytest.raises(DomainError) as raised:
            checkins.check_in_code(session, event, typed, steward_link_id=None, now=NOW)
        assert raised.value.field == "code"


def test_a_queued_check_in_keeps_its_time_within_reason(session, event, stewards):
    early = add_rsvp(session, event, "e@example.org", role_id=stewards.id)
    future = add_rsvp(session, event, "f@example.org", role_id=stewards.id)
    checkins.check_in_code(
        session,
        event,
        code_of(early),
        steward_link_id=None,
        now=NOW,
        at=NOW - timedelta(minutes=7),
    )
    checkins.check_in_code(
        session,
        event,
        code_of(future),
        steward_link_id=None,
        now=NOW,
        at=NOW + timedelta(days=2),  # a phone's clock gone wrong
    )
    times = dict(session.execute(select(CheckIn.rsvp_id, CheckIn.checked_in_at)).all())
    assert times == {early.id: NOW - timedelta(minutes=7), future.id: NOW}


def test_search_finds_confirmed_volunteers_by_name(session, event, stewards):
    ada = add_rsvp(session, event, "a@example.org", name="Ada Lovelace", role_id=stewards.id)
    add_rsvp(session, event, "b@example.org", name="Adam Marcher")  # no role
    add_rsvp(session, event, "c@example.org", name="Adele", role_id=stewards.id, status="cancelled")
    assert checkins.search(session, event, "a") == []
    found = checkins.search(session, event, "LOVE")
    assert found == [{"id": ada.id, "name": "Ada Lovelace", "role": "Stewards", "done": False}]
    assert checkins.check_in_rsvp(
        session, event, ada.id, steward_link_id=None, now=NOW
    ).is_checked_in
    assert checkins.search(session, event, "ada")[0]["done"] is True


def test_day_view_counts_needed_confirmed_and_checked_in(session, event, stewards):
    medics = add_role(session, event, "Medics")
    people = [add_rsvp(session, event, f"s{i}@example.org", role_id=stewards.id) for i in range(3)]
    add_rsvp(session, event, "m@example.org", role_id=medics.id)
    checkins.check_in_code(session, event, code_of(people[0]), steward_link_id=None, now=NOW)
    lines = {line.name: line for line in checkins.day_view(session, event)}
    assert (lines["Stewards"].needed, lines["Stewards"].confirmed) == (4, 3)
    assert lines["Stewards"].checked_in == 1
    assert (lines["Medics"].needed, lines["Medics"].confirmed, lines["Medics"].checked_in) == (
        None,
        1,
        0,
    )


def test_purge_and_erase_take_check_ins_with_them(session, event, stewards):
    volunteer = add_rsvp(session, event, "v@example.org", role_id=stewards.id)
    gone = add_rsvp(session, event, "g@example.org", role_id=stewards.id)
    for person in (volunteer, gone):
        checkins.check_in_code(session, event, code_of(person), steward_link_id=None, now=NOW)
    purge.erase_rsvps(session, [gone.id])
    session.commit()
    assert session.scalars(select(CheckIn.rsvp_id)).all() == [volunteer.id]
    purge.erase_participants_now(session, event, now=event.ends_at + timedelta(minutes=1))
    session.commit()
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_removing_an_rsvp_removes_its_check_in(session, event, stewards):
    volunteer = add_rsvp(session, event, "v@example.org", role_id=stewards.id)
    checkins.check_in_code(session, event, code_of(volunteer), steward_link_id=None, now=utcnow())
    session.commit()
    session.delete(volunteer)
    session.commit()
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_stewards_scanning_one_code_at_once_check_in_once(app, session, event, stewards):
    """Eight phones send the same code at the same instant: one checks in, the others hear
    "already checked in" (on PostgreSQL the unique RSVP decides; never an error)."""
    volunteer = add_rsvp(session, event, "v@example.org", name="Ada", role_id=stewards.id)
    code, event_id = code_of(volunteer), event.id
    phones = 8
    barrier = threading.Barrier(phones)

    def scan(_n: int) -> bool:
        with app.app_context():
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=30)
            with db.transaction() as s:
                here = s.get(Event, event_id)
                return checkins.check_in_code(
                    s, here, code, steward_link_id=None, now=utcnow()
                ).is_checked_in

    with ThreadPoolExecutor(max_workers=phones) as pool:
        results = list(pool.map(scan, range(phones)))
    assert results.count(True) == 1
    assert session.scalar(select(func.count()).select_from(CheckIn)) == 1
