"""The notice to the authorities: organisers add what only it needs, and print it in German
or English (or download it as PDF) with everything the Berlin police ask for. None of it is
ever shown on a public page."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext

from core.extensions import db
from models import Event, EventNotice
from tests.factories import make_event

DETAILS = {
    "topic": "Peace now: against the war in Ukraine",
    "organiser": "Friedensinitiative Kreuzberg\nOranienstraße 1, 10999 Berlin",
    "leader": "Erika Mustermann, +49 30 1234567",
    "deputy": "Max Mustermann, +49 30 7654321",
    "final_rally": "",
    "streets": "Potsdamer Platz\nEbertstraße\nUnter den Linden",
    "expected_participants": "800",
    "stewards": "20",
    "vehicles": "One van with a sound system",
    "loudspeakers": "Two megaphones",
    "stage": "",
    "banners": "Front banner, 6 m",
    "notes": "",
}


@pytest.fixture
def march_id(app, organiser) -> int:
    with app.app_context():
        event = make_event(db.session, organiser[0], as_organiser=True)
        db.session.commit()
        return event.id


def _text(html: str) -> str:
    """The page as its reader sees it: tags gone, white space folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&amp;", "&").split())


def test_organisers_save_the_details_and_the_sheet_shows_every_field(logged_in, session, march_id):
    response = logged_in.submit(f"/organise/events/{march_id}/notice", DETAILS)
    assert response.status_code == 302
    stored = session.get(EventNotice, march_id)
    assert stored.stewards == 20 and stored.leader == "Erika Mustermann, +49 30 1234567"

    html = logged_in.get(f"/organise/events/{march_id}/notice/en").get_data(as_text=True)
    text = _text(html)
    assert '<html lang="en">' in html
    for label, value in [
        ("Topic", "Peace now: against the war in Ukraine"),
        ("Organiser", "Friedensinitiative Kreuzberg Oranienstraße 1, 10999 Berlin"),
        ("Person leading the march", "Erika Mustermann, +49 30 1234567"),
        ("Deputy", "Max Mustermann, +49 30 7654321"),
        ("Date", "Sunday 29 November 2026"),
        ("Start", "13:00"),
        ("End", "16:00"),
        ("Assembly point", "Potsdamer Platz, Berlin"),
        ("Final rally", "Russian embassy"),  # the end waypoint, as none was typed
        ("Expected participants", "800"),
        ("Stewards", "20"),
        ("Vehicles", "One van with a sound system"),
        ("Loudspeakers", "Two megaphones"),
        ("Banners and signs", "Front banner, 6 m"),
    ]:
        assert f"{label} {value}" in text, label
    assert (
        "Waypoints Potsdamer Platz (Assembly) Brandenburg Gate (Stop) Russian embassy (End)" in text
    )
    assert "Streets Potsdamer Platz Ebertstraße Unter den Linden" in text
    assert 'class="route-line"' in html  # the route picture, inline
    assert "does not send this notice" in text


def test_the_sheet_is_in_german_whatever_the_interface_speaks(app, logged_in, march_id):
    logged_in.submit(f"/organise/events/{march_id}/notice", DETAILS)
    html = logged_in.get(f"/organise/events/{march_id}/notice/de").get_data(as_text=True)
    text = _text(html)
    assert '<html lang="de">' in html
    assert "Sonntag, 29. November 2026" in text  # dates as German readers write them
    with app.test_request_context(), force_locale("de"):
        labels = [gettext(m) for m in ("Person leading the march", "Deputy", "Stewards", "Means")]
        kinds = [gettext(m) for m in ("Assembly", "End")]
    assert kinds == ["Treffpunkt", "Ende"]
    for label in labels:  # (in English until the catalogue has these new labels)
        assert label in text
    assert f"Potsdamer Platz ({kinds[0]})" in text and f"Russian embassy ({kinds[1]})" in text
    assert "Erika Mustermann" in text and "Ebertstraße" in text
    # The page around it stays in the interface's language: only the sheet is German.
    assert logged_in.get(f"/organise/events/{march_id}/notice/fr").status_code == 404


def test_the_pdf_is_the_same_sheet(logged_in, march_id):
    logged_in.submit(f"/organise/events/{march_id}/notice", DETAILS)
    response = logged_in.get(f"/organise/events/{march_id}/notice/de/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="versammlungsanzeige-{march_id}.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"


def test_an_empty_notice_still_prints_with_blanks_to_fill_in(logged_in, march_id):
    response = logged_in.get(f"/organise/events/{march_id}/notice/en")
    text = _text(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Topic March against the war" in text  # the title stands in for the topic


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("stewards", "-3", "Enter a whole number, or leave empty."),
        ("expected_participants", "many", "Not a valid integer value."),
        ("topic", "x" * 301, "Use at most 300 characters."),
        ("leader", "Erika\u202eMustermann", "Remove the invisible control characters"),
    ],
)
def test_bad_details_are_explained_next_to_the_field(
    logged_in, session, march_id, field, typed, message
):
    response = logged_in.submit(f"/organise/events/{march_id}/notice", {**DETAILS, field: typed})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'id="{field}-error" role="alert">([^<]*)<', html)
    assert error and message in error.group(1)
    assert "Erika Mustermann" in html or field == "leader"  # what was typed is kept
    assert session.get(EventNotice, march_id) is None


def test_the_details_are_never_on_a_public_page(app, logged_in, march_id, session):
    logged_in.submit(f"/organise/events/{march_id}/notice", DETAILS)
    slug = session.get(Event, march_id).slug
    visitor = app.test_client()
    for path in (f"/e/{slug}", f"/e/{slug}/embed", f"/e/{slug}/flyer", f"/e/{slug}/route.svg"):
        body = visitor.get(path).get_data(as_text=True)
        assert "Erika Mustermann" not in body and "Oranienstraße" not in body, path
    assert visitor.get(f"/organise/events/{march_id}/notice/de").status_code == 302  # log in
