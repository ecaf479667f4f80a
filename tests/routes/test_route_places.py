"""The organiser's places beside the route on the accessibility form: added without
JavaScript as rows of kind, label, latitude and longitude; a place far from the route or
with bad coordinates is refused with what was typed kept; another event's organisers are
refused; the event page lists them as text; the real export URLs carry them into another
event, and a file without them leaves the stored ones alone."""

from __future__ import annotations

import html as html_lib
import io
import re

import pytest

from core.extensions import db
from models import Event
from tests.factories import PASSWORD, make_event, make_user
from tests.plugins.app import log_in

TOILETS = "Tiergarten side of the Brandenburg Gate"


@pytest.fixture
def event_id(app, organiser) -> int:
    with app.app_context():
        event = make_event(db.session, organiser[0], as_organiser=True, published=True)
        db.session.commit()
        return event.id


def text_of(response) -> str:
    return " ".join(
        html_lib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split()
    )


def place(n: int, kind: str, label: str, lat: str, lon: str = "", note: str = "") -> dict:
    prefix = f"places-{n}-"
    return {
        prefix + "kind": kind,
        prefix + "label": label,
        prefix + "lat": lat,
        prefix + "lon": lon,
        prefix + "note": note,
    }


def test_organiser_adds_toilets_beside_the_route_and_the_page_lists_them(
    logged_in, event_id, session
):
    path = f"/organise/events/{event_id}/route/accessibility"
    assert "Places beside the route" in logged_in.get(path).get_data(as_text=True)
    data = (
        place(0, "toilets", TOILETS, "52.5160", "13.3765")
        # pasted as one pair into the latitude field
        | place(1, "first_aid", "Medics' tent", "52.5120, 13.3785", "", "Behind the memorial")
        | place(2, "", "", "", "")
    )
    response = logged_in.submit(path, data)
    assert response.status_code == 302, text_of(response)
    event = session.get(Event, event_id)
    assert [(p.kind, p.label, p.lat, p.lon) for p in event.places] == [
        ("toilets", TOILETS, 52.516, 13.3765),
        ("first_aid", "Medics' tent", 52.512, 13.3785),
    ]
    assert len(event.route_points) == 4  # the line does not bend to them

    form = logged_in.get(path).get_data(as_text=True)
    assert f'value="{html_lib.escape(TOILETS)}"' in html_lib.unescape(form) or TOILETS in form
    page = text_of(logged_in.get(f"/e/{event.slug}"))
    assert f"Toilets: {TOILETS} (80 m from the route)" in page
    assert "First aid: Medics' tent (" in page and "Behind the memorial" in page


def test_a_far_place_is_refused_by_name_and_the_form_keeps_what_was_typed(
    logged_in, event_id, session
):
    path = f"/organise/events/{event_id}/route/accessibility"
    data = place(0, "toilets", TOILETS, "52.5160", "13.3765") | place(
        1, "toilets", "Tiergarten", "52.5145", "13.3270"
    )
    response = logged_in.submit(path, data)
    assert response.status_code == 422
    assert "Place 2 (Toilets: Tiergarten): it is 3.4 km from the route" in text_of(response)
    assert 'value="13.3270"' in response.get_data(as_text=True)
    assert session.get(Event, event_id).places == []


def test_bad_coordinates_are_refused_next_to_the_field(logged_in, event_id, session):
    path = f"/organise/events/{event_id}/route/accessibility"
    data = place(0, "rest", "Benches", "north", "13.3765") | place(1, "rest", "Shade", "52.5", "")
    response = logged_in.submit(path, data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert re.search(r'<input[^>]*id="places-0-lat"[^>]*value="north"', body)
    page = text_of(response)
    assert "The latitude must be a number between -90 and 90" in page
    assert "Enter the longitude, for example 13.3777." in page
    assert 'aria-invalid="true"' in body
    assert session.get(Event, event_id).places == []


def test_an_unknown_kind_is_refused(logged_in, event_id):
    path = f"/organise/events/{event_id}/route/accessibility"
    response = logged_in.submit(path, place(0, "lava", "Hot", "52.5160", "13.3765"))
    assert response.status_code == 422
    assert "Place 1 (lava: Hot): the kind must be one of" in text_of(response)


def test_organisers_of_another_event_are_refused(client, event_id, app):
    with app.app_context():
        other = make_user(db.session, email="other@example.org")
        theirs = make_event(db.session, other.id, as_organiser=True).id
        db.session.commit()
    log_in(client, "other@example.org", PASSWORD)
    path = f"/organise/events/{event_id}/route/accessibility"
    response = client.submit(
        path,
        place(0, "toilets", TOILETS, "52.5160", "13.3765"),
        form_page=f"/organise/events/{theirs}/route/accessibility",
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Event, event_id).places == []


@pytest.mark.parametrize("extension", ["gpx", "geojson"])
def test_an_exported_route_file_carries_the_places_and_a_foreign_one_leaves_them(
    logged_in, event_id, app, organiser, extension
):
    access = f"/organise/events/{event_id}/route/accessibility"
    data = place(0, "toilets", TOILETS, "52.5160", "13.3765", "Free of charge")
    assert logged_in.submit(access, data).status_code == 302
    with app.app_context():
        slug = db.session.get(Event, event_id).slug
        other_id = make_event(db.session, organiser[0], as_organiser=True).id
        db.session.commit()
    exported = logged_in.get(f"/e/{slug}/route.{extension}")
    assert exported.status_code == 200
    route = f"/organise/events/{other_id}/route"
    upload = {"route_file": (io.BytesIO(exported.data), f"march.{extension}")}
    response = logged_in.submit(route, upload, content_type="multipart/form-data")
    assert response.status_code == 302, text_of(response)
    with app.app_context():
        copy = db.session.get(Event, other_id)
        assert [(p.kind, p.label, p.note, p.lat, p.lon) for p in copy.places] == [
            ("toilets", TOILETS, "Free of charge", 52.516, 13.3765)
        ]
        assert len(copy.route_points) == 4
        assert copy.has_route_places

    # A file from elsewhere, with the same line but no places, leaves them as they are.
    foreign = (
        '<?xml version="1.0"?><gpx version="1.1" creator="other" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        '<trkpt lat="52.5096" lon="13.3762"/><trkpt lat="52.5130" lon="13.3774"/>'
        '<trkpt lat="52.5163" lon="13.3777"/><trkpt lat="52.5168" lon="13.3830"/>'
        "</trkseg></trk></gpx>"
    )
    upload = {"route_file": (io.BytesIO(foreign.encode()), "other.gpx")}
    response = logged_in.submit(route, upload, content_type="multipart/form-data")
    assert response.status_code in (200, 302), text_of(response)
    with app.app_context():
        assert [p.label for p in db.session.get(Event, other_id).places] == [TOILETS]
