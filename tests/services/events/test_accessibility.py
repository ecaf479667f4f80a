"""Accessibility along the route: marked sections between two route points, a step-free
alternative, and accessibility points; they survive GPX and GeoJSON round trips, follow
their points when the route is saved again, and are named when refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from models import Event
from services import calendar as ical
from services import events, worker
from services.errors import DomainError
from services.events import accessibility
from services.route import (
    MAX_NOTE_CHARS,
    MAX_SECTIONS,
    Point,
    Route,
    RouteError,
    Section,
    parse_geojson,
    parse_gpx,
    parse_text,
    to_geojson,
    to_gpx,
    validate,
)
from tests.factories import NOW, add_rsvp, make_event, make_user

STEP_FREE = (Point(52.5096, 13.3762), Point(52.5120, 13.3800), Point(52.5168, 13.383))
STEPS = Section(1, 2, "steps", "12 steps down to the underpass")

ROUTE = parse_text(
    "52.5096, 13.3762, Potsdamer Platz, assembly\n"
    "52.5130, 13.3774\n"
    "52.5163, 13.3777, Brandenburg Gate, stop\n"
    "52.5165, 13.3800, Medics, first aid\n"
    "52.5166, 13.3810, Loos, toilets\n"
    "52.5167, 13.3820, Benches, rest\n"
    "52.5168, 13.3830, Russian embassy, end\n"
)
MARKED = Route(
    ROUTE.points,
    ROUTE.waypoints,
    (STEPS, Section(2, 4, "rough", "Cobblestones")),
    STEP_FREE,
)


def organised(session, **kwargs) -> Event:
    return make_event(session, make_user(session).id, as_organiser=True, **kwargs)


def test_gpx_round_trip_keeps_sections_alternative_and_points():
    back = parse_gpx(to_gpx(validate(MARKED), "March").encode())
    assert back == validate(MARKED)
    assert {w.kind for w in back.waypoints} >= {"first_aid", "toilets", "rest"}


def test_geojson_round_trip_keeps_sections_alternative_and_points():
    doc = json.dumps(to_geojson(validate(MARKED), "March")).encode()
    assert parse_geojson(doc) == validate(MARKED)


def test_a_file_without_sections_says_nothing_about_them():
    assert parse_gpx(to_gpx(ROUTE, "March").encode()).sections is None
    assert parse_geojson(json.dumps(to_geojson(ROUTE, "M")).encode()).alternative is None


def test_a_section_off_the_route_in_a_file_is_refused_by_name():
    doc = to_geojson(validate(MARKED), "March")
    section = doc["features"][-1]
    section["geometry"]["coordinates"] = [[10.0, 50.0], [10.1, 50.1]]
    with pytest.raises(RouteError, match=r"Section 2 \(Rough surface: Cobblestones\).*not on"):
        parse_geojson(json.dumps(doc).encode())


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (Section(2, 99, "steps", "Underpass"), r"Section 1 \(Steps: Underpass\): its points"),
        (Section(3, 1, "steep", ""), r"Section 1 \(Steep\): it must end at a later point"),
        (Section(0, 1, "lava", ""), r"Section 1 \(lava\): the kind must be one of"),
        (Section(0, 1, "narrow", "x" * (MAX_NOTE_CHARS + 1)), "at most 140 characters"),
    ],
)
def test_bad_sections_are_refused_naming_the_section(section, message):
    with pytest.raises(RouteError, match=message):
        validate(Route(ROUTE.points, (), (section,)))


def test_sections_are_bounded():
    many = tuple(Section(0, 1, "steps") for _ in range(MAX_SECTIONS + 1))
    with pytest.raises(RouteError, match="at most 50 marked sections"):
        validate(Route(ROUTE.points, (), many))


def test_saved_sections_are_stored_and_exported(session):
    event = organised(session)
    events.save_route(session, event, ROUTE, NOW)
    accessibility.save_accessibility(session, event, [STEPS], STEP_FREE, NOW)
    session.commit()
    session.expire_all()
    stored = session.get(Event, event.id)
    assert stored.is_step_free_available
    route = events.event_route(stored)
    assert route.sections == (STEPS,)
    assert route.alternative == STEP_FREE
    assert parse_gpx(to_gpx(route, "x").encode()) == route


def test_saving_a_section_off_the_route_names_it_and_changes_nothing(session):
    event = organised(session)
    with pytest.raises(DomainError, match=r"Section 2 \(Narrow: Bridge\): its points") as err:
        accessibility.save_accessibility(
            session, event, [Section(0, 1, "steps"), Section(1, 40, "narrow", "Bridge")], (), NOW
        )
    assert err.value.field == "sections"
    session.rollback()
    assert session.get(Event, event.id).sections == []


def test_a_section_follows_its_points_when_the_route_is_saved_again(session):
    event = organised(session)
    events.save_route(session, event, ROUTE, NOW)
    accessibility.save_accessibility(session, event, [STEPS], STEP_FREE, NOW)
    # a point added before the section: it moves one on, to the same two places
    longer = parse_text("52.5090, 13.3750\n" + format_route(ROUTE))
    events.save_route(session, event, longer, NOW)
    session.commit()
    [section] = session.get(Event, event.id).sections
    assert (section.start_seq, section.end_seq) == (2, 3)
    assert session.get(Event, event.id).is_step_free_available  # a typed route keeps it


def test_a_route_that_drops_a_sections_point_is_refused_naming_the_section(session):
    event = organised(session)
    events.save_route(session, event, ROUTE, NOW)
    accessibility.save_accessibility(session, event, [STEPS], (), NOW)
    session.commit()
    shorter = parse_text("52.5096, 13.3762\n52.5163, 13.3777\n52.5168, 13.3830\n")
    with pytest.raises(DomainError, match=r"Section 1 \(Steps: 12 steps down.*not on the new"):
        events.save_route(session, event, shorter, NOW)
    session.rollback()
    assert len(session.get(Event, event.id).route_points) == len(ROUTE.points)


def format_route(route: Route) -> str:
    from services.route import format_text

    return format_text(route)


def test_calendar_says_a_step_free_route_is_available(session, app):
    event = organised(session)
    url = "http://127.0.0.1:5000/e/x"
    before = icalendar.Calendar.from_ical(ical.event_ics(event, url, NOW)).walk("VEVENT")[0]
    assert "Step-free" not in str(before["description"])
    accessibility.save_accessibility(session, event, [], STEP_FREE, NOW)
    session.commit()
    after = icalendar.Calendar.from_ical(ical.event_ics(event, url, NOW)).walk("VEVENT")[0]
    assert "Step-free route available." in str(after["description"])


@pytest.fixture
def app_settings(smtp_server):
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}


def test_reminder_says_a_step_free_route_is_available(session, smtp_server):
    start = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    event = make_event(session, starts_at=start)
    accessibility.save_accessibility(session, event, [], STEP_FREE, NOW)
    add_rsvp(session, event, "ada@example.org", name="Ada")
    session.commit()

    worker.run(once=True, now=start - timedelta(hours=23))

    [message] = smtp_server.messages
    assert "Step-free route available." in message.get_body(("plain",)).get_content()
    assert "Step-free route available." in message.get_body(("html",)).get_content()


def test_a_new_alternative_or_section_moves_the_public_pages_version(session):
    event = organised(session)
    versions = [session.get(Event, event.id).page_version]
    for sections, alternative in (([], STEP_FREE), ([], STEP_FREE[:2]), ([STEPS], STEP_FREE[:2])):
        accessibility.save_accessibility(session, event, sections, alternative, NOW)
        session.commit()
        session.refresh(event)
        versions.append(event.page_version)
    assert versions == sorted(set(versions))  # each save moved it on


def test_a_sections_note_is_translated_like_a_waypoint_label(session, app):
    from models.enums import TextKind
    from services import texts as reader_texts
    from services.events import translations

    event = organised(session)
    events.save_route(session, event, ROUTE, NOW)
    accessibility.save_accessibility(session, event, [STEPS], (), NOW)
    assert STEPS.note in translations.sources(event)[TextKind.SECTION_NOTE]
    translations.save_texts(
        session,
        event,
        {
            (TextKind.SECTION_NOTE, STEPS.note, "de"): "12 Stufen hinab zur Unterführung",
            (TextKind.WAYPOINT, "Brandenburg Gate", "de"): "Brandenburger Tor",
        },
    )
    session.commit()
    [german] = accessibility.section_views(event, reader_texts.for_reader(event, "de"))
    assert german["note"] == "12 Stufen hinab zur Unterführung"
    assert german["to"] == "Brandenburger Tor"
    [english] = accessibility.section_views(event, reader_texts.for_reader(event, "en"))
    assert (english["note"], english["to"]) == (STEPS.note, "Brandenburg Gate")
