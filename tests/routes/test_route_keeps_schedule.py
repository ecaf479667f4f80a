"""Saving a route again says, before anything is stored, which schedule items would move to
another waypoint and which would have no fixed place; only "Save anyway" stores it."""

from __future__ import annotations

import html as html_lib
import io
import json
import re

import pytest
from sqlalchemy import func, select

from core.extensions import db
from models import Event, EventChange
from tests.factories import make_event

# Potsdamer Platz dragged ~60 m and renamed; the embassy replaced by Alexanderplatz, 2 km off.
MOVED = (
    "52.5101, 13.3768, Potsdamer Pl., assembly\n52.5130, 13.3774\n"
    "52.5200, 13.4050, Alexanderplatz, end\n"
)
WARNINGS = [
    "13:00 Assembly at Potsdamer Platz: it will move to Potsdamer Pl., "
    "the nearest waypoint of the new route.",
    "15:00 Rally at the embassy at Russian embassy: no waypoint of the new route is near it; "
    "it will have no fixed place.",
]


@pytest.fixture
def event_id(app, organiser) -> int:
    with app.app_context():
        event = make_event(db.session, organiser[0], as_organiser=True, published=True)
        db.session.commit()
        return event.id


def stored(session, event_id: int) -> tuple[list[str], dict[str, str | None], int]:
    """The waypoint labels, each item's place, and how many change records there are."""
    session.expire_all()
    event = session.get(Event, event_id)
    labels = {w.id: w.label for w in event.waypoints}
    changes = session.scalar(
        select(func.count()).select_from(EventChange).where(EventChange.event_id == event_id)
    )
    places = {item.title: labels.get(item.waypoint_id) for item in event.schedule_items}
    return [w.label for w in event.waypoints], places, changes


def text_of(response) -> str:
    """The page as a reader sees its words: tags dropped, entities decoded, spaces folded."""
    return " ".join(
        html_lib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split()
    )


def hidden(response, name: str) -> str:
    (value,) = re.findall(
        rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', response.get_data(as_text=True)
    )
    return html_lib.unescape(value)


def test_a_route_that_moves_schedule_items_is_not_saved_but_explained(logged_in, session, event_id):
    before = stored(session, event_id)
    response = logged_in.submit(f"/organise/events/{event_id}/route", {"points_text": MOVED})
    assert response.status_code == 200
    page = text_of(response)
    assert "Not saved yet: the new route changes the place of 2 schedule items." in page
    for warning in WARNINGS:
        assert warning in page
    assert "Save anyway" in page
    # What was typed is kept, to change or to confirm.
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", response.get_data(as_text=True), re.S)
    assert html_lib.unescape(textarea.group(1)).strip() == MOVED.strip()
    assert stored(session, event_id) == before


def test_save_anyway_stores_the_route_as_warned(logged_in, session, event_id):
    path = f"/organise/events/{event_id}/route"
    _labels, _places, changes = stored(session, event_id)
    warned = logged_in.submit(path, {"points_text": MOVED})
    response = logged_in.submit(path, {"points_text": MOVED, "confirm": hidden(warned, "confirm")})
    assert response.status_code == 302
    labels, places, after = stored(session, event_id)
    assert labels == ["Potsdamer Pl.", "Alexanderplatz"]
    assert places == {"Assembly": "Potsdamer Pl.", "Rally at the embassy": None}
    assert after > changes  # participants will be told


def test_a_confirmation_of_other_changes_stores_nothing_and_warns_again(
    logged_in, session, event_id
):
    path = f"/organise/events/{event_id}/route"
    warned = logged_in.submit(path, {"points_text": MOVED})
    # Edited after the warning: now the assembly point is gone too.
    edited = "52.5200, 13.4050, Alexanderplatz, assembly\n52.5210, 13.4150, Jannowitzbrücke, end\n"
    before = stored(session, event_id)
    response = logged_in.submit(path, {"points_text": edited, "confirm": hidden(warned, "confirm")})
    assert response.status_code == 200
    assert "changes the place of 2 schedule items" in text_of(response)
    assert "13:00 Assembly at Potsdamer Platz: no waypoint of the new route is near it" in text_of(
        response
    )
    assert stored(session, event_id) == before


def test_a_route_that_keeps_every_item_in_place_is_saved_at_once(logged_in, session, event_id):
    kept = "52.5096, 13.3762, Potsdamer Platz, assembly\n52.5168, 13.3830, Russian embassy, end\n"
    response = logged_in.submit(f"/organise/events/{event_id}/route", {"points_text": kept})
    assert response.status_code == 302
    assert stored(session, event_id)[1] == {
        "Assembly": "Potsdamer Platz",
        "Rally at the embassy": "Russian embassy",
    }


def test_an_uploaded_route_is_confirmed_with_the_route_it_carries(logged_in, session, event_id):
    path = f"/organise/events/{event_id}/route"
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[13.4050, 52.52], [13.415, 52.521]],
                },
            },
            {
                "type": "Feature",
                "properties": {"label": "Alexanderplatz", "kind": "assembly"},
                "geometry": {"type": "Point", "coordinates": [13.4050, 52.52]},
            },
        ],
    }
    file = (io.BytesIO(json.dumps(geojson).encode()), "march.geojson")
    before = stored(session, event_id)
    warned = logged_in.submit(path, {"points_text": "", "route_file": file})
    assert warned.status_code == 200
    page = text_of(warned)
    assert "13:00 Assembly at Potsdamer Platz: no waypoint of the new route is near it" in page
    assert stored(session, event_id) == before
    response = logged_in.submit(
        f"{path}/choose",
        {"route_geojson": hidden(warned, "route_geojson"), "confirm": hidden(warned, "confirm")},
        form_page=path,
    )
    assert response.status_code == 302
    labels, places, _changes = stored(session, event_id)
    assert labels == ["Alexanderplatz"]
    assert places == {"Assembly": None, "Rally at the embassy": None}


def test_a_chosen_route_without_the_confirmation_is_not_saved(logged_in, session, event_id):
    path = f"/organise/events/{event_id}/route"
    line = {"type": "LineString", "coordinates": [[13.4050, 52.52], [13.415, 52.521]]}
    before = stored(session, event_id)
    response = logged_in.submit(
        f"{path}/choose", {"route_geojson": json.dumps(line)}, form_page=path
    )
    assert response.status_code == 200
    assert "no waypoint of the new route is near it" in text_of(response)
    assert stored(session, event_id) == before
