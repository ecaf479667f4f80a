"""Calendar files hold the right instant across DST, a stable UID and the revision."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar

from services import calendar as ical
from services import events
from tests.factories import NOW, make_event, make_user

URL = "http://127.0.0.1:5000/e/some-march"


def parsed(data: bytes) -> icalendar.Event:
    return icalendar.Calendar.from_ical(data).walk("VEVENT")[0]


def test_event_after_dst_change_holds_the_right_utc_instant(session):
    event = make_event(
        session,
        make_user(session).id,
        as_organiser=True,
        starts_local=datetime(2027, 4, 4, 13, 0),
        ends_local=datetime(2027, 4, 4, 16, 0),
    )
    item = parsed(ical.event_ics(event, URL, NOW))
    assert item.decoded("dtstart").astimezone(UTC) == datetime(2027, 4, 4, 11, 0, tzinfo=UTC)
    assert item.decoded("dtend").astimezone(UTC) == datetime(2027, 4, 4, 14, 0, tzinfo=UTC)
    assert item["dtstart"].params["TZID"] == "Europe/Berlin"
    assert str(item["uid"]) == f"event-{event.id}@127.0.0.1"
    assert str(item["status"]) == "CONFIRMED"
    assert str(item["location"]) == "Potsdamer Platz, Berlin"
    assert (item["geo"].latitude, item["geo"].longitude) == (52.5096, 13.3762)
    description = str(item["description"])
    assert "Route: " in description and "1. Potsdamer Platz (Assembly)" in description
    assert URL in description and str(item["url"]) == URL


def test_sequence_follows_revision_and_uid_stays(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    first = parsed(ical.event_ics(event, URL, NOW))
    events.cancel(session, event, "Storm warning.", NOW)
    second = parsed(ical.event_ics(event, URL, NOW))
    assert (int(first["sequence"]), int(second["sequence"])) == (0, 1)
    assert str(first["uid"]) == str(second["uid"])
    assert str(second["status"]) == "CANCELLED"
    assert "Cancelled: Storm warning." in str(second["description"])


def test_feed_lists_each_event(session):
    user = make_user(session)
    one = make_event(session, user.id, as_organiser=True)
    two = make_event(session, user.id, as_organiser=True, title="Second march")
    cal = icalendar.Calendar.from_ical(ical.feed_ics([one, two], lambda e: f"{URL}/{e.id}", NOW))
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == [
        "March against the war",
        "Second march",
    ]
