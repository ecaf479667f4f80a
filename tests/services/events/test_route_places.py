"""Places beside the route (toilets, first aid, rest, quiet zone, a place to leave the march):
stored apart from the line, so they never bend it; refused by name when far from the route,
of an unknown kind, badly placed or too many; kept through GPX and GeoJSON round trips and
left alone by files without them; listed as text and translated like section notes."""

from __future__ import annotations

import json
from datetime import date

import pytest

from models import Event
from models.enums import TextKind
from services import events
from services import texts as reader_texts
from services.errors import DomainError
from services.events import accessibility, translations
from services.route import (
    MAX_PLACES,
    Place,
    Route,
    RouteError,
    parse_geojson,
    parse_gpx,
    parse_text,
    to_geojson,
    to_gpx,
    validate,
)
from tests.factories import NOW, make_event, make_user

ROUTE = parse_text(
    "52.5096, 13.3762, Potsdamer Platz, assembly\n"
    "52.5130, 13.3774\n"
    "52.5163, 13.3777, Brandenburg Gate, stop\n"
    "52.5168, 13.3830, Russian embassy, end\n"
)
# West of the Gate, in the Tiergarten: about 80 m off the line.
TOILETS = Place(52.5160, 13.3765, "toilets", "Tiergarten side of the Brandenburg Gate")
MEDICS = Place(52.5120, 13.3785, "first_aid", "Medics' tent", "Behind the memorial")
FAR = Place(52.5145, 13.3270, "toilets", "Tiergarten")  # about 3.4 km west


def organised(session) -> Event:
    return make_event(session, make_user(session).id, as_organiser=True)


def with_places(*places: Place) -> Route:
    return Route(ROUTE.points, ROUTE.waypoints, None, None, places)


def test_places_are_stored_beside_the_line_and_listed_with_their_distance(session):
    event = organised(session)
    events.save_route(session, event, ROUTE, NOW)
    accessibility.save_accessibility(session, event, [], (), NOW, [TOILETS, MEDICS])
    session.commit()
    session.expire_all()
    stored = session.get(Event, event.id)
    assert stored.has_route_places
    assert [(p.kind, p.label, p.note) for p in stored.places] == [
        ("toilets", TOILETS.label, ""),
        ("first_aid", "Medics' tent", "Behind the memorial"),
    ]
    # Not points of the line: the line is as it was.
    assert [(p.lat, p.lon) for p in stored.route_points] == [(p.lat, p.lon) for p in ROUTE.points]
    assert len(stored.waypoints) == len(ROUTE.waypoints)
    toilets, medics = accessibility.place_views(stored, reader_texts.for_reader(stored, "en"))
    assert (toilets["kind_label"], toilets["label"]) == ("Toilets", TOILETS.label)
    assert toilets["distance"] == "80 m"
    assert medics["kind_label"] == "First aid" and medics["note"] == "Behind the memorial"
    # Saving an empty list removes them.
    accessibility.save_accessibility(session, stored, [], (), NOW, [])
    assert stored.places == [] and not stored.has_route_places


@pytest.mark.parametrize(
    ("places", "message"),
    [
        (
            [TOILETS, FAR],
            r"^Place 2 \(Toilets: Tiergarten\): it is 3\.4 km from the route; "
            r"a place must be within 1\.0 km of it\.$",
        ),
        ([Place(95, 13.37, "rest", "Benches")], r"Place 1 \(Rest: Benches\): latitude must be"),
        ([Place(52.51, "x", "rest", "Benches")], r"Place 1 \(Rest: Benches\): longitude must be"),
        ([Place(52.51, 13.37, "lava", "Hot")], r"Place 1 \(lava: Hot\): the kind must be one of"),
        ([Place(52.51, 13.37, "assembly", "Here")], r"Place 1 .*: the kind must be one of"),
        ([Place(52.51, 13.37, "rest", "")], r"Place 1 \(Rest\): a label is required"),
        ([Place(52.51, 13.37, "rest", "x" * 81)], "at most 80 characters"),
    ],
)
def test_bad_places_are_refused_naming_the_place(places, message):
    with pytest.raises(RouteError, match=message):
        validate(with_places(*places))


def test_places_are_bounded():
    with pytest.raises(RouteError, match="at most 50 places"):
        validate(with_places(*[TOILETS] * (MAX_PLACES + 1)))
    assert len(validate(with_places(*[TOILETS] * MAX_PLACES)).places) == MAX_PLACES


def test_saving_a_bad_place_names_it_and_changes_nothing(session):
    event = organised(session)
    accessibility.save_accessibility(session, event, [], (), NOW, [TOILETS])
    with pytest.raises(DomainError, match=r"Place 2 \(Toilets: Tiergarten\): it is 3\.4 km") as e:
        accessibility.save_accessibility(session, event, [], (), NOW, [MEDICS, FAR])
    assert e.value.field == "places"
    assert [p.label for p in event.places] == [TOILETS.label]


@pytest.mark.parametrize("fmt", ["gpx", "geojson"])
def test_round_trips_keep_places_apart_from_the_line(fmt):
    route = validate(with_places(TOILETS, MEDICS))
    if fmt == "gpx":
        text = to_gpx(route, "March")
        assert "<src>rallypoint:place</src>" in text and "<type>toilets</type>" in text
        back = parse_gpx(text.encode())
    else:
        doc = to_geojson(route, "March")
        kinds = [f["properties"] for f in doc["features"] if f["properties"].get("role")]
        assert {"role": "place", "kind": "toilets", "label": TOILETS.label, "note": ""} in kinds
        back = parse_geojson(json.dumps(doc).encode())
    assert back == route
    assert back.points == ROUTE.points and back.waypoints == ROUTE.waypoints


def test_files_without_places_say_nothing_about_them():
    assert parse_gpx(to_gpx(ROUTE, "March").encode()).places is None
    assert parse_geojson(json.dumps(to_geojson(ROUTE, "M")).encode()).places is None


def test_a_far_place_in_a_file_is_refused_by_name():
    doc = to_geojson(validate(with_places(TOILETS)), "March")
    [place] = [f for f in doc["features"] if f["properties"].get("role") == "place"]
    place["geometry"]["coordinates"] = [FAR.lon, FAR.lat]
    with pytest.raises(RouteError, match=r"Place 1 \(Toilets: Tiergarten side.*3\.4 km"):
        parse_geojson(json.dumps(doc).encode())


def test_a_route_without_places_keeps_the_stored_ones_and_a_far_route_is_refused(session):
    event = organised(session)
    events.save_route(session, event, ROUTE, NOW)
    accessibility.save_accessibility(session, event, [], (), NOW, [TOILETS])
    # A foreign file (or the typed text) says nothing about places: they stay.
    foreign = parse_gpx(to_gpx(ROUTE, "Other app").encode())
    events.save_route(session, event, foreign, NOW)
    assert [p.label for p in event.places] == [TOILETS.label]
    assert events.event_route(event).places == (validate(with_places(TOILETS)).places[0],)
    # A route far away would leave the place kilometres off it: refused by name.
    elsewhere = parse_text("52.40, 13.05, Potsdam, assembly\n52.41, 13.06, Park, end\n")
    with pytest.raises(DomainError, match=r"Place 1 \(Toilets: Tiergarten side.*km from the"):
        events.save_route(session, event, elsewhere, NOW)
    assert len(event.route_points) == len(ROUTE.points)


def test_a_place_moves_the_public_pages_version_and_copies_keep_it(session):
    user = make_user(session)
    event = make_event(session, user.id, as_organiser=True)
    session.commit()
    before = session.get(Event, event.id).page_version
    accessibility.save_accessibility(session, event, [], (), NOW, [TOILETS])
    session.commit()
    session.refresh(event)
    assert event.page_version > before
    copy = events.duplicate(session, event, owner_id=user.id, new_date=date(2027, 1, 10))
    assert [(p.kind, p.label) for p in copy.places] == [("toilets", TOILETS.label)]
    assert copy.has_route_places


def test_a_places_label_and_note_are_translated_like_a_sections_note(session, app):
    event = organised(session)
    accessibility.save_accessibility(session, event, [], (), NOW, [MEDICS])
    found = translations.sources(event)
    assert found[TextKind.PLACE_LABEL] == ["Medics' tent"]
    assert found[TextKind.PLACE_NOTE] == ["Behind the memorial"]
    translations.save_texts(
        session,
        event,
        {
            (TextKind.PLACE_LABEL, "Medics' tent", "de"): "Sanitätszelt",
            (TextKind.PLACE_NOTE, "Behind the memorial", "de"): "Hinter dem Denkmal",
        },
    )
    session.commit()
    [german] = accessibility.place_views(event, reader_texts.for_reader(event, "de"))
    assert (german["label"], german["note"]) == ("Sanitätszelt", "Hinter dem Denkmal")
    [english] = accessibility.place_views(event, reader_texts.for_reader(event, "en"))
    assert english["label"] == "Medics' tent"
