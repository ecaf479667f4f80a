"""What the Languages page stores: translations of the texts an event has, each once."""

from __future__ import annotations

import pytest

from models import utcnow
from models.enums import TextKind
from services import events
from services import texts as reader_texts
from services.errors import DomainError
from services.events import translations
from tests.factories import ROUTE, add_role, make_event, make_user


@pytest.fixture
def event(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    add_role(session, event, "Stewards")
    return event


def test_each_text_is_offered_once_in_page_order(session, event):
    event.waypoints[2].label = "Brandenburg Gate"  # a label used twice is translated once
    session.flush()
    assert translations.sources(event) == {
        TextKind.SCHEDULE_ITEM: ["Assembly", "Rally at the embassy"],
        TextKind.ROLE: ["Stewards"],
        TextKind.WAYPOINT: ["Potsdamer Platz", "Brandenburg Gate"],
        TextKind.SECTION_NOTE: [],
        TextKind.PLACE_LABEL: [],
        TextKind.PLACE_NOTE: [],
    }


def test_texts_the_event_no_longer_has_lose_their_translation(session, event):
    translations.save_texts(
        session,
        event,
        {
            (TextKind.ROLE, "Stewards", "de"): "Ordner",
            (TextKind.ROLE, "Medics", "de"): "Sanitäter",  # no such role: ignored
            (TextKind.WAYPOINT, "Brandenburg Gate", "de"): "Brandenburger Tor",
        },
    )
    assert {t.text for t in event.text_translations} == {"Ordner", "Brandenburger Tor"}
    event.waypoints[1].label = "Pariser Platz"
    session.flush()
    translations.save_texts(session, event, {(TextKind.ROLE, "Stewards", "de"): "Ordner"})
    assert {t.text for t in event.text_translations} == {"Ordner"}
    german = reader_texts.for_reader(event, "de")
    assert german.role("Stewards") == "Ordner"
    assert german.waypoint("Pariser Platz") == "Pariser Platz"  # as written


def test_a_translation_survives_the_route_saved_again(session, event):
    translations.save_texts(
        session, event, {(TextKind.WAYPOINT, "Potsdamer Platz", "ru"): "Потсдамская площадь"}
    )
    events.save_route(session, event, ROUTE, utcnow())
    session.refresh(event)
    assert reader_texts.for_reader(event, "ru").waypoint(event.waypoints[0].label) == (
        "Потсдамская площадь"
    )


def test_a_translation_longer_than_its_text_may_be_is_refused(session, event):
    with pytest.raises(DomainError) as refused:
        translations.save_texts(session, event, {(TextKind.ROLE, "Stewards", "de"): "x" * 61})
    assert refused.value.field == translations.field_name(TextKind.ROLE, "Stewards", "de")
