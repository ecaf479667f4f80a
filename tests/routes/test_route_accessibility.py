"""The organiser's accessibility form: sections between two of the route's points, a step-free
alternative; a bad section is refused by name with what was typed kept; another event's
organisers are refused; the public page says it all as text."""

from __future__ import annotations

import html as html_lib
import io
import re

import pytest

from core.extensions import db
from models import Event
from tests.factories import PASSWORD, make_event, make_user
from tests.plugins.app import log_in

ALTERNATIVE = "52.5096, 13.3762\n52.5120, 13.3800\n52.5168, 13.3830\n"


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


def row(n: int, start: str, end: str, kind: str, note: str) -> dict:
    prefix = f"sections-{n}-"
    return {
        prefix + "start": start,
        prefix + "end": end,
        prefix + "kind": kind,
        prefix + "note": note,
    }


def test_organiser_marks_steps_and_the_event_page_says_it(logged_in, event_id, session):
    path = f"/organise/events/{event_id}/route/accessibility"
    form = logged_in.get(path)
    assert form.status_code == 200
    assert "Point 3: Brandenburg Gate" in form.get_data(as_text=True)
    data = row(0, "2", "3", "steps", "12 steps down to the underpass") | row(1, "", "", "", "")
    response = logged_in.submit(path, data | {"alternative_text": ALTERNATIVE})
    assert response.status_code == 302
    event = session.get(Event, event_id)
    assert [(s.start_seq, s.end_seq, s.kind) for s in event.sections] == [(2, 3, "steps")]
    assert event.is_step_free_available

    page = text_of(logged_in.get(f"/e/{event.slug}"))
    assert (
        "Between Brandenburg Gate and Russian embassy: Steps — 12 steps down to the underpass"
        in page
    )
    assert "Step-free alternative available" in page


def test_a_section_off_the_route_is_refused_by_name_and_the_form_keeps_it(
    logged_in, event_id, session
):
    path = f"/organise/events/{event_id}/route/accessibility"
    data = row(0, "0", "1", "rough", "Cobblestones") | row(1, "1", "77", "narrow", "Bridge")
    response = logged_in.submit(path, data | {"alternative_text": "52.5, 13.4\nnonsense\n"})
    assert response.status_code == 422
    page = text_of(response)
    # the first problem found is named; nothing is stored, and what was typed stays
    assert "Line 2" in page or "Section 2 (Narrow: Bridge)" in page
    assert 'value="Bridge"' in response.get_data(as_text=True)
    assert "nonsense" in response.get_data(as_text=True)
    response = logged_in.submit(path, data | {"alternative_text": ""})
    assert response.status_code == 422
    assert "Section 2 (Narrow: Bridge): its points are not on the route." in text_of(response)
    assert session.get(Event, event_id).sections == []


def test_an_unknown_kind_is_refused(logged_in, event_id):
    path = f"/organise/events/{event_id}/route/accessibility"
    response = logged_in.submit(path, row(0, "0", "1", "lava", ""))
    assert response.status_code == 422
    assert "Section 1 (lava): the kind must be one of" in text_of(response)


def test_organisers_of_another_event_are_refused(client, event_id, app):
    with app.app_context():
        other = make_user(db.session, email="other@example.org")
        theirs = make_event(db.session, other.id, as_organiser=True).id
        db.session.commit()
    log_in(client, "other@example.org", PASSWORD)
    path = f"/organise/events/{event_id}/route/accessibility"
    assert client.get(path).status_code == 404
    response = client.submit(
        path,
        row(0, "0", "1", "steps", ""),
        form_page=f"/organise/events/{theirs}/route/accessibility",
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(Event, event_id).sections == []


def test_a_new_route_without_a_sections_points_is_refused_by_name_with_the_text_kept(
    logged_in, event_id, session
):
    access = f"/organise/events/{event_id}/route/accessibility"
    assert logged_in.submit(access, row(0, "1", "2", "narrow", "Bridge")).status_code == 302
    route = f"/organise/events/{event_id}/route"
    # the same waypoints (no schedule warning), but the section's start point is gone
    typed = (
        "52.5096, 13.3762, Potsdamer Platz, assembly\n"
        "52.5163, 13.3777, Brandenburg Gate, stop\n"
        "52.5168, 13.3830, Russian embassy, end\n"
    )
    response = logged_in.submit(route, {"points_text": typed})
    assert response.status_code == 422
    assert "Section 1 (Narrow: Bridge): its points are not on the new route." in text_of(response)
    assert "52.5163, 13.3777, Brandenburg Gate, stop" in html_lib.unescape(
        response.get_data(as_text=True)
    )
    assert len(session.get(Event, event_id).route_points) == 4


@pytest.mark.parametrize("extension", ["gpx", "geojson"])
def test_an_exported_route_file_imported_elsewhere_keeps_sections_and_alternative(
    logged_in, event_id, app, organiser, extension
):
    access = f"/organise/events/{event_id}/route/accessibility"
    data = row(0, "1", "2", "steps", "12 steps down") | {"alternative_text": ALTERNATIVE}
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
        assert [(s.start_seq, s.end_seq, s.kind, s.note) for s in copy.sections] == [
            (1, 2, "steps", "12 steps down")
        ]
        assert [(p.lat, p.lon) for p in copy.alternative_points] == [
            (52.5096, 13.3762),
            (52.512, 13.38),
            (52.5168, 13.383),
        ]
        assert copy.is_step_free_available
