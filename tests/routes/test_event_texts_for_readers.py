"""Schedule items, roles and waypoint labels translated like the title, and every place a
participant reads them in their language: the page, its map, the RSVP form, the listing and
its search, the calendar file, the emails and the manage page."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import func, select

from models import EventTextTranslation, EventTranslation, OutboxMessage, Waypoint, utcnow
from models.enums import TextKind
from services import events
from services.events import translations
from services.live import positions as march
from tests.factories import ROUTE, add_role, event_details, make_event, march_under_way


def _field(kind: str, written: str) -> str:
    """The German field of the Languages page labelled ``written``."""
    return translations.field_name(kind, written, "de")


ROLE_DE = _field(TextKind.ROLE, "Stewards")
GERMAN = {
    "title_de": "Demo gegen den Krieg",
    "description_de": "Wir laufen gemeinsam.",
    _field(TextKind.SCHEDULE_ITEM, "Assembly"): "Sammeln",
    _field(TextKind.SCHEDULE_ITEM, "Rally at the embassy"): "Kundgebung an der Botschaft",
    ROLE_DE: "Ordner",
    _field(TextKind.WAYPOINT, "Potsdamer Platz"): "Treffpunkt Potsdamer Platz",
    _field(TextKind.WAYPOINT, "Brandenburg Gate"): "Brandenburger Tor",
}
DE = {"Accept-Language": "de"}
MAP_DATA = re.compile(r'<script type="application/json" id="[^"]*-data">(.*?)</script>', re.S)


def _future_event(session, organiser_id):
    """The Potsdamer Platz march two weeks from now, with a role for volunteers."""
    start = (utcnow() + timedelta(days=14)).astimezone(ZoneInfo("Europe/Berlin"))
    start = start.replace(tzinfo=None, hour=13, minute=0, second=0, microsecond=0)
    event = make_event(
        session,
        organiser_id,
        as_organiser=True,
        starts_local=start,
        ends_local=start + timedelta(hours=3),
    )
    add_role(session, event, "Stewards", needed=10)
    return event


@pytest.fixture
def translated(logged_in, session, organiser):
    """The march with its German texts saved on the Languages page, as an organiser does."""
    event = _future_event(session, organiser[0])
    page = logged_in.get(f"/organise/events/{event.id}/languages").get_data(as_text=True)
    for kind, written in (
        (TextKind.SCHEDULE_ITEM, "Assembly"),
        (TextKind.SCHEDULE_ITEM, "Rally at the embassy"),
        (TextKind.ROLE, "Stewards"),
        (TextKind.WAYPOINT, "Brandenburg Gate"),
    ):  # a field per text, labelled with it
        assert f'<label for="{_field(kind, written)}">{written}</label>' in page
    response = logged_in.submit(f"/organise/events/{event.id}/languages", GERMAN)
    assert response.status_code == 302
    return event


def test_german_page_shows_german_title_schedule_role_and_waypoints(logged_in, session, translated):
    html = logged_in.get(f"/e/{translated.slug}", headers=DE).get_data(as_text=True)
    assert "<title>Demo gegen den Krieg" in html
    assert '<meta property="og:title" content="Demo gegen den Krieg">' in html
    assert "<h1>Demo gegen den Krieg</h1>" in html
    assert "<strong>Sammeln</strong>" in html and "<strong>Assembly</strong>" not in html
    assert "<strong>Kundgebung an der Botschaft</strong>" in html
    assert "<strong>Brandenburger Tor</strong>" in html
    # "Assemble at" and the schedule item's place name the translated waypoint.
    assert "Treffpunkt Potsdamer Platz, Berlin" in html
    # A label without a German translation is shown as written.
    assert "<strong>Russian embassy</strong>" in html
    # The map script reads the labels from the page's JSON.
    labels = [w["label"] for w in json.loads(MAP_DATA.search(html).group(1))["waypoints"]]
    assert labels == ["Treffpunkt Potsdamer Platz", "Brandenburger Tor", "Russian embassy"]
    # The role, in the RSVP panel and in the form's choices.
    assert "Ordner" in html
    form = logged_in.get(f"/e/{translated.slug}/rsvp", headers=DE).get_data(as_text=True)
    assert re.search(r"<option[^>]*>Ordner: 0 von 10</option>", form), form


def test_a_language_without_translations_shows_everything_as_written(
    logged_in, session, translated
):
    for language in ("en", "ru"):
        html = logged_in.get(
            f"/e/{translated.slug}", headers={"Accept-Language": language}
        ).get_data(as_text=True)
        assert "<h1>March against the war</h1>" in html
        assert "<strong>Assembly</strong>" in html
        assert "<strong>Brandenburg Gate</strong>" in html
        assert "Potsdamer Platz, Berlin" in html and "Treffpunkt" not in html
        assert "Ordner" not in html and "Stewards" in html


def test_translations_survive_the_route_saved_again(logged_in, session, translated):
    """Saving the route recreates its waypoints; the translation follows the label."""
    events.save_route(session, translated, ROUTE, utcnow())
    session.commit()
    html = logged_in.get(f"/e/{translated.slug}", headers=DE).get_data(as_text=True)
    assert "<strong>Brandenburger Tor</strong>" in html


def test_german_listing_and_calendar_file_use_the_german_texts(logged_in, session, translated):
    listing = logged_in.get("/events", headers=DE).get_data(as_text=True)
    assert ">Demo gegen den Krieg</a>" in listing
    english = logged_in.get("/events", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ">March against the war</a>" in english and "Demo gegen" not in english

    ics = logged_in.get(f"/e/{translated.slug}.ics", headers=DE).get_data()
    vevent = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(vevent["summary"]) == "Demo gegen den Krieg"
    assert str(vevent["location"]) == "Treffpunkt Potsdamer Platz, Berlin"
    assert "2. Brandenburger Tor" in str(vevent["description"])
    russian = logged_in.get(f"/e/{translated.slug}.ics", headers={"Accept-Language": "ru"})
    vevent = icalendar.Calendar.from_ical(russian.get_data()).walk("VEVENT")[0]
    assert str(vevent["summary"]) == "March against the war"
    assert str(vevent["location"]) == "Potsdamer Platz, Berlin"

    feed = icalendar.Calendar.from_ical(logged_in.get("/events.ics", headers=DE).get_data())
    assert "Demo gegen den Krieg" in [str(e["summary"]) for e in feed.walk("VEVENT")]


def test_event_card_and_flyer_in_german(logged_in, session, translated):
    card = logged_in.get(f"/e/{translated.slug}/embed", headers=DE).get_data(as_text=True)
    assert ">Demo gegen den Krieg</a></h1>" in card
    assert "Treffpunkt Potsdamer Platz, Berlin" in card
    flyer = logged_in.get(f"/e/{translated.slug}/flyer", headers=DE).get_data(as_text=True)
    assert "<h1>Demo gegen den Krieg</h1>" in flyer and "Brandenburger Tor" in flyer
    english = logged_in.get(f"/e/{translated.slug}/embed", headers={"Accept-Language": "en"})
    assert ">March against the war</a></h1>" in english.get_data(as_text=True)


def test_german_participant_gets_emails_calendar_and_manage_page_in_german(
    logged_in, session, translated
):
    stewards = translated.roles[0]
    data = {"email": "jana@example.org", "name": "Jana", "party_size": "1"}
    data["role_id"] = str(stewards.id)
    assert logged_in.submit(f"/e/{translated.slug}/rsvp", data, headers=DE).status_code == 200
    confirm = _newest_mail(session, "rsvp_confirm")
    assert "Demo gegen den Krieg" in confirm.subject
    assert "Demo gegen den Krieg" in confirm.body_text and "als Ordner" in confirm.body_text
    assert "March against the war" not in confirm.body_text + confirm.body_html

    token = re.search(r"/confirm/([A-Za-z0-9_-]{43})", confirm.body_text).group(1)
    assert logged_in.submit(f"/confirm/{token}", {}, headers=DE).status_code == 303
    received = _newest_mail(session, "rsvp_received")
    assert "Demo gegen den Krieg" in received.subject
    vevent = icalendar.Calendar.from_ical(received.ics).walk("VEVENT")[0]
    assert str(vevent["summary"]) == "Demo gegen den Krieg"
    assert str(vevent["location"]) == "Treffpunkt Potsdamer Platz, Berlin"

    manage = re.search(r"/manage/([A-Za-z0-9_-]{43})", received.body_text).group(0)
    html = logged_in.get(manage, headers=DE).get_data(as_text=True)
    assert ">Demo gegen den Krieg</a>" in html
    assert "als Ordner" in html


def test_neutral_subject_still_wins_over_the_translated_title(logged_in, session, translated):
    translated.neutral_subject = "Sunday walk"
    session.commit()
    data = {"email": "kai@example.org", "name": "Kai", "party_size": "1"}
    logged_in.submit(f"/e/{translated.slug}/rsvp", data, headers=DE)
    mail = _newest_mail(session, "rsvp_confirm")
    assert "Sunday walk" in mail.subject and "Demo gegen" not in mail.subject


def test_search_finds_a_march_by_its_russian_title_in_any_case(client, session, organiser):
    event = make_event(session, organiser[0], title="Peace march", city="Hamburg")
    other = make_event(session, organiser[0], title="Climate strike", city="Hamburg")
    translations.save(session, event, {"ru": ("Марш мира в Берлине", "")})
    session.commit()
    for query in ("Берлин", "берлин", "МАРШ МИРА", "peace", "hamburg"):
        html = client.get("/events", query_string={"q": query}).get_data(as_text=True)
        assert f"/e/{event.slug}" in html, query
    html = client.get("/events", query_string={"q": "Берлин"}).get_data(as_text=True)
    assert f"/e/{other.slug}" not in html
    # The API's search is the listing's.
    found = client.get("/api/events", query_string={"q": "берлин"}).get_json()
    assert [e["slug"] for e in found["events"]] == [event.slug]


def test_too_long_translation_is_refused_next_to_its_field_and_nothing_is_stored(
    logged_in, session, organiser
):
    event = _future_event(session, organiser[0])
    response = logged_in.submit(
        f"/organise/events/{event.id}/languages",
        {
            "title_de": "Demo",
            ROLE_DE: "O" * 61,
            _field(TextKind.WAYPOINT, "Brandenburg Gate"): "Brandenburger Tor",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = re.search(r'<div class="field field--error">.*?</div>', html, re.S).group(0)
    assert f'name="{ROLE_DE}"' in field and "Use at most 60 characters." in field
    assert 'value="Brandenburger Tor"' in html  # what was typed stays
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(EventTextTranslation)) == 0
    assert session.scalar(select(func.count()).select_from(EventTranslation)) == 0


def test_a_form_from_a_tab_opened_before_a_text_changed_keeps_the_other_translations(
    logged_in, session, translated
):
    """The organiser renamed the first schedule item in another tab, then sent this page:
    its field for the old name is ignored, and nothing lands on a neighbour's text."""
    translated.schedule_items[0].title = "Gathering"
    session.commit()
    stale = {**GERMAN, _field(TextKind.SCHEDULE_ITEM, "Assembly"): "Sammeln!"}
    assert logged_in.submit(f"/organise/events/{translated.id}/languages", stale).status_code == 302
    html = logged_in.get(f"/e/{translated.slug}", headers=DE).get_data(as_text=True)
    assert "<strong>Gathering</strong>" in html and "Sammeln" not in html
    assert "<strong>Kundgebung an der Botschaft</strong>" in html


def test_an_emptied_field_removes_its_translation(logged_in, session, translated):
    cleared = {**GERMAN, ROLE_DE: ""}
    logged_in.submit(f"/organise/events/{translated.id}/languages", cleared)
    html = logged_in.get(f"/e/{translated.slug}", headers=DE).get_data(as_text=True)
    assert "Ordner" not in html and "Stewards" in html
    assert "<strong>Sammeln</strong>" in html


def test_live_feed_says_where_the_march_is_in_the_readers_language(client, session, organiser):
    event = march_under_way(session, organiser[0], now=utcnow(), slug="live-de", with_gate=True)
    translations.save_texts(
        session, event, {(TextKind.WAYPOINT, "Brandenburg Gate", "de"): "Brandenburger Tor"}
    )
    token = march.create_steward_link(session, event, label="Front", now=utcnow())
    session.commit()
    place = f"w{session.scalar(select(Waypoint.id))}"
    assert client.submit(f"/steward/{token}", {"part": "front", "place": place}).status_code == 302
    german = client.get("/e/live-de/live.json", headers=DE).json
    assert german["position"]["front"]["near"] == "Brandenburger Tor"
    english = client.get("/e/live-de/live.json", headers={"Accept-Language": "en"}).json
    assert english["position"]["front"]["near"] == "Brandenburg Gate"
    page = client.get("/e/live-de", headers=DE).get_data(as_text=True)
    assert "Brandenburger Tor" in page


def _newest_mail(session, kind: str) -> OutboxMessage:
    session.expire_all()
    return session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())
    ).first()


def test_a_change_names_schedule_items_and_places_in_the_readers_language(
    client, session, translated
):
    """The change record keeps the names as written; each reader reads them translated."""
    start = translated.starts_at.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None)
    events.update_event(
        session,
        translated,
        event_details(
            starts_local=start + timedelta(hours=1),
            ends_local=start + timedelta(hours=4),
            move_schedule=True,
        ),
        utcnow(),
    )
    session.commit()

    german = client.get(f"/e/{translated.slug}", headers=DE).get_data(as_text=True)
    changes = german[german.index('id="changes-heading"') :]
    assert "Sammeln" in changes and "Kundgebung an der Botschaft" in changes
    assert "Assembly" not in changes and "Rally at the embassy" not in changes
    feed = client.get(f"/e/{translated.slug}/live.json", headers=DE).get_json()
    assert "Sammeln" in " ".join(u["summary"] for u in feed["updates"])

    english = client.get(f"/e/{translated.slug}").get_data(as_text=True)
    changes = english[english.index('id="changes-heading"') :]
    assert "Assembly" in changes and "Sammeln" not in changes
