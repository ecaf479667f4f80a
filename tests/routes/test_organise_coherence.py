"""The details form says what moving the start will move, and moves it."""

from __future__ import annotations

import re

import pytest

from core.extensions import db
from models import Event
from services.times import format_time
from tests.factories import EVENT_FORM, make_event

FORM = {**EVENT_FORM, "starts_at": "2026-11-29T14:00", "ends_at": "2026-11-29T17:00"}


@pytest.fixture
def event_id(app, organiser) -> int:
    with app.app_context():
        return make_event(db.session, organiser[0], as_organiser=True, published=False).id


def times(session, event_id) -> list[str]:
    session.expire_all()
    event = session.get(Event, event_id)
    return sorted(format_time(item.starts_at, event.timezone) for item in event.schedule_items)


def test_the_form_says_which_items_move_and_moves_them_by_default(logged_in, session, event_id):
    html = logged_in.get(f"/organise/events/{event_id}/edit").get_data(as_text=True)
    assert "Move the schedule with the start" in html
    assert (
        "If you change the start, its 2 schedule items move by as much: "
        "13:00 Assembly, 15:00 Rally at the embassy." in html
    )
    (checkbox,) = re.findall(r"<input[^>]*name=\"move_schedule\"[^>]*>", html)
    assert " checked " in checkbox
    response = logged_in.submit(f"/organise/events/{event_id}/edit", {**FORM, "move_schedule": "y"})
    assert response.status_code == 302
    assert times(session, event_id) == ["14:00", "16:00"]


def test_unticked_the_schedule_stays(logged_in, session, event_id):
    response = logged_in.submit(f"/organise/events/{event_id}/edit", FORM)
    assert response.status_code == 302
    assert times(session, event_id) == ["13:00", "15:00"]
