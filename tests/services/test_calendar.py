"""Calendar files hold the right instant across DST (by their own compact VTIMEZONE), a stable
UID and the revision, and are built once per revision and language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from flask_babel import force_locale

from services import calendar as ical
from services import events
from services.vtimezone import vtimezone
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


def local_times_in_the_file(data: bytes) -> tuple[datetime, datetime, timedelta]:
    """What a calendar app shows: DTSTART's wall-clock time, and the instant it means by the
    file's own VTIMEZONE (not the app's tz database), with that zone's offset then."""
    cal = icalendar.Calendar.from_ical(data)
    [zone] = cal.walk("VTIMEZONE")
    tz = zone.to_tz()
    item = cal.walk("VEVENT")[0]
    wall = item.decoded("dtstart").replace(tzinfo=None)
    meant = wall.replace(tzinfo=tz)
    return wall, meant.astimezone(UTC), meant.utcoffset()


@pytest.mark.parametrize(
    ("zone", "local", "utc", "offset"),
    [
        ("Europe/Berlin", datetime(2027, 7, 4, 13, 0), datetime(2027, 7, 4, 11, 0), 2),  # CEST
        ("Europe/Berlin", datetime(2027, 1, 17, 13, 0), datetime(2027, 1, 17, 12, 0), 1),  # CET
        ("Asia/Tokyo", datetime(2027, 7, 4, 13, 0), datetime(2027, 7, 4, 4, 0), 9),  # no DST
    ],
)
def test_calendar_apps_show_the_local_time_in_summer_and_winter(session, zone, local, utc, offset):
    event = make_event(
        session,
        make_user(session).id,
        as_organiser=True,
        timezone=zone,
        starts_local=local,
        ends_local=local + timedelta(hours=3),
    )
    data = ical.event_ics(event, URL, NOW)
    expected = (local, utc.replace(tzinfo=UTC), timedelta(hours=offset))
    assert local_times_in_the_file(data) == expected
    [zone_text] = re.findall(rb"BEGIN:VTIMEZONE.*END:VTIMEZONE\r\n", data, re.S)
    assert len(zone_text) < 600  # the zone's rules, not 60 years of dates
    assert b"RDATE" not in data


def test_dst_zone_is_two_yearly_rules():
    zone = vtimezone("Europe/Berlin", 2027, 2027)
    rules = {part.name: part["rrule"].to_ical().decode() for part in zone.walk() if "RRULE" in part}
    assert rules == {
        "DAYLIGHT": "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "STANDARD": "FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
    }


def test_zone_without_one_yearly_rule_lists_its_changes():
    """Casablanca moves its clock around Ramadan: no yearly rule, so each change is listed,
    and times still come out right."""
    zone = vtimezone("Africa/Casablanca", 2027, 2027)
    tz = zone.to_tz()
    for moment in (datetime(2027, 1, 10, 12), datetime(2027, 2, 20, 12), datetime(2027, 7, 1, 12)):
        assert (
            moment.replace(tzinfo=tz).utcoffset()
            == moment.replace(tzinfo=ZoneInfo("Africa/Casablanca")).utcoffset()
        )


def test_file_is_built_once_per_revision_and_language(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    first = ical.event_ics(event, URL, NOW)
    assert ical.event_ics(event, URL, NOW + timedelta(hours=1)) is first
    with force_locale("de"):
        german = ical.event_ics(event, URL, NOW)
    assert "zu Fuß etwa" in str(parsed(german)["description"])
    assert "zu Fuß" not in str(parsed(first)["description"])
    events.cancel(session, event, "Storm warning.", NOW)
    assert str(parsed(ical.event_ics(event, URL, NOW))["status"]) == "CANCELLED"
