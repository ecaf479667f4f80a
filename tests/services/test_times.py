"""Times are entered and shown in the event's zone, correctly across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.errors import DomainError
from services.times import format_clock, format_date, format_when, to_utc, zone


def test_13_00_berlin_is_12_00_utc_in_winter_and_11_00_utc_in_summer():
    assert to_utc(datetime(2026, 11, 29, 13, 0), "Europe/Berlin") == datetime(
        2026, 11, 29, 12, 0, tzinfo=UTC
    )
    assert to_utc(datetime(2027, 4, 4, 13, 0), "Europe/Berlin") == datetime(
        2027, 4, 4, 11, 0, tzinfo=UTC
    )


def test_local_time_skipped_by_the_spring_change_is_refused():
    with pytest.raises(DomainError, match="does not exist") as err:
        to_utc(datetime(2027, 3, 28, 2, 30), "Europe/Berlin")
    assert err.value.field == "starts_at"


def test_repeated_autumn_time_takes_the_first():
    assert to_utc(datetime(2027, 10, 31, 2, 30), "Europe/Berlin") == datetime(
        2027, 10, 31, 0, 30, tzinfo=UTC
    )


def test_unknown_zone_is_refused():
    with pytest.raises(DomainError, match="not a time zone"):
        zone("Mars/Olympus_Mons")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Sunday 29 November 2026, 13:00 CET"),
        ("de", "Sonntag, 29. November 2026, 13:00 Uhr CET"),
        ("ru", "воскресенье, 29 ноября 2026, 13:00 CET"),
    ],
)
def test_when_reads_naturally_in_each_language(language, expected):
    assert (
        format_when(datetime(2026, 11, 29, 12, 0, tzinfo=UTC), "Europe/Berlin", language)
        == expected
    )


def test_date_is_the_day_in_the_events_zone():
    late = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # already Sunday in Berlin
    assert format_date(late, "Europe/Berlin", "en") == "Sunday 29 November 2026"


def test_time_zone_messages_speak_the_language_of_the_page(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("de"):
        with pytest.raises(DomainError, match="ist keine uns bekannte Zeitzone"):
            zone("Mars/Olympus_Mons")
        with pytest.raises(DomainError, match="28. März 2027 in Europe/Berlin nicht"):
            to_utc(datetime(2027, 3, 28, 2, 30), "Europe/Berlin")


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "16:00 CET"), ("de", "16:00 Uhr CET"), ("ru", "16:00 CET")]
)
def test_a_time_of_day_reads_as_the_end_of_a_moment_does(language, expected):
    assert format_clock(datetime(2026, 11, 29, 15, 0, tzinfo=UTC), "Europe/Berlin", language) == (
        expected
    )
