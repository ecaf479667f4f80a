"""Real route files uploaded by an organiser through the route page: KML and KMZ as Google My
Maps, uMap and Google Earth write them (tests/data/kml/), and the GPX files of gpxpy's own
test suite (tests/data/gpxpy/). Each is stored, asks its question (which line? connect the
points?), or is refused with a message next to the file field; none is a server error.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from core.extensions import db
from models import Event, RoutePoint, Waypoint
from tests.factories import make_event

DATA = Path(__file__).resolve().parents[2] / "data"
FILES = sorted((DATA / "kml").glob("*.km[lz]")) + sorted((DATA / "gpxpy").glob("*.gpx"))
ANSWER = re.compile(r'name="route_geojson" value="([^"]*)"')
CONFIRM = re.compile(r'name="confirm" value="([^"]*)"')
FIELD_ERROR = re.compile(r'<p class="error" id="route_file-error" role="alert">([^<]+)</p>')


@pytest.fixture
def event_id(app, organiser) -> int:
    with app.app_context():
        event = make_event(db.session, organiser[0], as_organiser=True, published=False)
        db.session.commit()
        return event.id


def upload(client, event_id: int, data: bytes, name: str):
    response = client.submit(
        f"/organise/events/{event_id}/route",
        {"points_text": "", "route_file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    return save_anyway(client, event_id, response)


def answer(client, event_id: int, page, which: int = 0):
    """Press the `which`-th button of the upload's question on `page`."""
    answers = ANSWER.findall(page.get_data(as_text=True))
    response = client.submit(
        f"/organise/events/{event_id}/route/choose",
        {"route_geojson": html.unescape(answers[which])},
        form_page=f"/organise/events/{event_id}/route",
        content_type="multipart/form-data",
    )
    return save_anyway(client, event_id, response)


def save_anyway(client, event_id: int, response):
    """The test march's schedule sits at Potsdamer Platz and the Russian embassy: a file with
    other waypoints is first shown with a warning (tests/routes/test_route_keeps_schedule.py),
    and "Save anyway" stores it."""
    page = response.get_data(as_text=True)
    if response.status_code != 200 or 'id="route-warning"' not in page:
        return response
    (route,) = ANSWER.findall(page)
    (key,) = CONFIRM.findall(page)
    return client.submit(
        f"/organise/events/{event_id}/route/choose",
        {"route_geojson": html.unescape(route), "confirm": key},
        form_page=f"/organise/events/{event_id}/route",
        content_type="multipart/form-data",
    )


def stored(session, event_id: int) -> tuple[list[tuple[float, float]], list[str]]:
    session.expire_all()
    points = session.scalars(
        select(RoutePoint).where(RoutePoint.event_id == event_id).order_by(RoutePoint.seq)
    )
    labels = session.scalars(
        select(Waypoint.label).where(Waypoint.event_id == event_id).order_by(Waypoint.seq)
    )
    return [(p.lat, p.lon) for p in points], list(labels)


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_every_real_file_is_stored_asked_about_or_refused_with_a_message(
    logged_in, session, event_id, path
):
    before = stored(session, event_id)
    response = upload(logged_in, event_id, path.read_bytes(), path.name)
    page = response.get_data(as_text=True)
    if response.status_code == 200:  # a question: answering it with its first offer stores
        assert 'id="route-choice"' in page
        assert stored(session, event_id) == before  # nothing stored before the answer
        response = answer(logged_in, event_id, response)
    if response.status_code == 302:
        points, _labels = stored(session, event_id)
        assert len(points) >= 2
        assert "Route saved:" in logged_in.get(response.headers["Location"]).get_data(True)
    else:
        assert response.status_code == 422, response.status_code
        message = FIELD_ERROR.search(page)
        assert message and message.group(1).strip(), "a refusal says why, next to the field"
        assert stored(session, event_id) == before


def test_a_my_maps_export_becomes_the_route_with_its_placemarks_as_waypoints(
    logged_in, session, event_id
):
    response = upload(logged_in, event_id, (DATA / "kml/mymaps-march.kml").read_bytes(), "m.kml")
    assert response.status_code == 302
    points, labels = stored(session, event_id)
    assert points[0] == (52.5096, 13.3762) and points[-1] == (52.5172, 13.3889)
    assert len(points) == 5
    assert labels == ["Potsdamer Platz", "Brandenburger Tor", "Friedrichstraße"]


def test_a_kmz_with_two_lines_lists_them_by_name_and_length_and_stores_the_one_picked(
    logged_in, session, event_id
):
    data = (DATA / "kml/mymaps-two-routes.kmz").read_bytes()
    before = stored(session, event_id)
    page = upload(logged_in, event_id, data, "Climate strike.kmz")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This file has 2 lines. Which one is the march?" in text
    assert "Main route" in text and "1.7 km, 4 points" in text
    assert "Route via Unter den Linden" in text and "1.6 km, 3 points" in text
    assert text.count("Use this line") == 2
    assert stored(session, event_id) == before
    response = answer(logged_in, event_id, page, which=1)
    assert response.status_code == 302
    points, labels = stored(session, event_id)
    assert points == [(52.5219, 13.4115), (52.518, 13.4), (52.5172, 13.3889)]
    assert labels == ["Start"]


def test_points_without_a_line_are_connected_in_order_once_confirmed(logged_in, session, event_id):
    data = (DATA / "kml/mymaps-points-only.kml").read_bytes()
    page = upload(logged_in, event_id, data, "stops.kml")
    text = page.get_data(as_text=True)
    assert "This file has 3 points and no track: connect them in order?" in text
    assert "Connect them in order" in text
    assert answer(logged_in, event_id, page).status_code == 302
    points, labels = stored(session, event_id)
    assert points == [(52.5219, 13.4132), (52.5185, 13.4086), (52.5186, 13.3988)]
    assert labels == ["Alexanderplatz", "Rotes Rathaus", "Lustgarten"]


def test_a_gpx_route_without_a_track_asks_before_connecting_its_points(
    logged_in, session, event_id
):
    data = (DATA / "gpxpy/route.gpx").read_bytes()
    page = upload(logged_in, event_id, data, "route.gpx")
    assert page.status_code == 200
    assert "points and no track: connect them in order?" in page.get_data(as_text=True)
    assert answer(logged_in, event_id, page).status_code == 302


def test_kml_export_round_trips_through_the_upload(logged_in, session, event_id):
    overview = f"/organise/events/{event_id}"
    logged_in.submit(f"{overview}/publish", form_page=overview)
    slug = session.get(Event, event_id).slug
    original = stored(session, event_id)
    exported = logged_in.get(f"/e/{slug}/route.kml")
    assert exported.status_code == 200
    assert exported.mimetype == "application/vnd.google-earth.kml+xml"
    assert exported.headers["Content-Disposition"] == f'attachment; filename="{slug}.kml"'
    assert upload(logged_in, event_id, exported.data, "anything.txt").status_code == 302
    assert stored(session, event_id) == original
    assert logged_in.get(f"/e/{slug}/route.kml").data == exported.data
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as kmz:
        kmz.writestr("doc.kml", exported.data)
    assert upload(logged_in, event_id, packed.getvalue(), "r.kmz").status_code == 302
    assert stored(session, event_id) == original


def kmz(entries: dict[str, bytes]) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return packed.getvalue()


KML = (DATA / "kml/mymaps-march.kml").read_bytes()
HOSTILE = {
    "zip-bomb": (kmz({"doc.kml": b"<kml>" + b" " * 50_000_000}), "zip bomb"),
    "many-entries": (
        kmz({"doc.kml": KML, **{f"images/{n}.png": b"" for n in range(1001)}}),
        "more than 1000 files",
    ),
    "nested-zip": (kmz({"doc.kml": kmz({"doc.kml": KML})}), "another archive"),
    "path-trick": (kmz({"../../doc.kml": KML}), "path that leaves the archive"),
    "no-kml": (kmz({"images/icon-1.png": b"\x89PNG"}), "holds no KML file"),
    "broken-zip": (b"PK\x03\x04" + b"\x00" * 100, "not a valid zip archive"),
    "external-entity": (
        b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<kml><Placemark><name>&xxe;</name></Placemark></kml>",
        "contains a DTD or entities",
    ),
    "billion-laughs": (
        b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><kml><Document>&c;</Document></kml>',
        "contains a DTD or entities",
    ),
    "deep-nesting": (
        b"<kml>" + b"<Folder>" * 100_000 + b"</Folder>" * 100_000 + b"</kml>",
        "nested too deeply",
    ),
    "not-utf-8": ("<kml><name>Café</name></kml>".encode("latin-1"), "not UTF-8 text"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_kml_and_kmz_are_refused_next_to_the_field(logged_in, session, event_id, name):
    data, message = HOSTILE[name]
    before = stored(session, event_id)
    response = upload(logged_in, event_id, data, f"{name}.kmz")
    field = FIELD_ERROR.search(response.get_data(as_text=True))
    assert response.status_code == 422
    assert field and message in html.unescape(field.group(1))
    assert stored(session, event_id) == before


def test_an_edited_answer_is_read_like_any_upload_and_refused_next_to_the_field(
    logged_in, session, event_id
):
    before = stored(session, event_id)
    path = f"/organise/events/{event_id}/route"
    response = logged_in.submit(
        f"{path}/choose",
        {"route_geojson": '{"type": "LineString", "coordinates": [[13.4, 95]]}'},
        form_page=path,
        content_type="multipart/form-data",
    )
    field = FIELD_ERROR.search(response.get_data(as_text=True))
    assert response.status_code == 422 and field and "latitude must be between" in field.group(1)
    empty = logged_in.submit(f"{path}/choose", {"route_geojson": ""}, form_page=path)
    assert empty.status_code == 422
    assert "Upload the file again and choose once more." in empty.get_data(as_text=True)
    assert stored(session, event_id) == before


def test_the_largest_possible_answer_fits_in_its_form(logged_in, session, event_id):
    # 5000 points and 200 waypoints with 120-letter Cyrillic labels: the biggest route there
    # is, so the biggest GeoJSON a button can carry (within the form-field size limit)
    line = " ".join(f"-179.{i:06d},-89.{i:06d}" for i in range(5000))
    spots = "".join(
        f"<Placemark><name>{'Ж' * 120}</name><Point><coordinates>13.4,52.5</coordinates>"
        "</Point></Placemark>"
        for _ in range(200)
    )
    doc = (
        f"<kml><Placemark><name>Long</name><LineString><coordinates>{line}</coordinates>"
        "</LineString></Placemark><Placemark><name>Short</name><LineString><coordinates>"
        f"13.4,52.5 13.5,52.5</coordinates></LineString></Placemark>{spots}</kml>"
    )
    page = upload(logged_in, event_id, doc.encode(), "big.kml")
    assert page.status_code == 200
    assert answer(logged_in, event_id, page).status_code == 302
    points, labels = stored(session, event_id)
    assert len(points) == 5000 and len(labels) == 200
