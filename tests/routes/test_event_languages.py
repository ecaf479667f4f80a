"""Organisers give the title and description in several languages; each reader gets theirs."""

from __future__ import annotations

from sqlalchemy import select

from models import EventTranslation, utcnow


def test_reader_sees_the_title_and_description_in_their_language(logged_in, session, organiser):
    from services import events

    event = events.create_event(session, owner_id=organiser[0], details=_details(), now=utcnow())
    session.commit()
    response = logged_in.submit(
        f"/organise/events/{event.id}/languages",
        {
            "title_de": "Demo gegen den Krieg",
            "description_de": "Wir laufen **gemeinsam**.",
            "title_ru": "Шествие против войны",
            "description_ru": "",
        },
    )
    assert response.status_code == 302
    events.publish(session, event)
    session.commit()

    german = logged_in.get(f"/e/{event.slug}", headers={"Accept-Language": "de"}).text
    assert "<h1>Demo gegen den Krieg</h1>" in german
    assert "<strong>gemeinsam</strong>" in german
    russian = logged_in.get(f"/e/{event.slug}", headers={"Accept-Language": "ru"}).text
    assert "<h1>Шествие против войны</h1>" in russian
    assert "Original description" in russian  # no Russian description: the original one
    english = logged_in.get(f"/e/{event.slug}", headers={"Accept-Language": "en"}).text
    assert "<h1>March against the war</h1>" in english


def test_description_without_title_is_refused_and_nothing_is_stored(logged_in, session, organiser):
    from services import events

    event = events.create_event(session, owner_id=organiser[0], details=_details(), now=utcnow())
    session.commit()
    response = logged_in.submit(
        f"/organise/events/{event.id}/languages", {"title_de": "", "description_de": "Text"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give a title with the description" in html and "Text</textarea>" in html
    assert session.scalar(select(EventTranslation.id)) is None


def _details():
    from datetime import datetime

    from services.events import EventDetails

    return EventDetails(
        title="March against the war",
        description_md="Original description",
        starts_local=datetime(2027, 5, 2, 13, 0),
        ends_local=datetime(2027, 5, 2, 16, 0),
        timezone="Europe/Berlin",
        city="Berlin",
    )
