"""The interface and the emails speak English, German and Russian: by the browser's language,
or by the switcher, which is remembered."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext
from sqlalchemy import select

from core.extensions import db
from models import Event, utcnow
from services import worker
from services.events import demo
from tests.factories import add_rsvp, make_event

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_settings(smtp_server):
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}


@pytest.fixture
def march_path(app) -> str:
    with app.app_context():
        demo.seed(
            db.session, email="demo@example.org", password="demo organiser password", now=utcnow()
        )
        db.session.commit()
        return "/e/" + db.session.scalar(select(Event.slug).where(Event.slug == demo.DEMO_SLUG))


def translated(app, language: str, message: str, **values) -> str:
    with app.test_request_context(), force_locale(language):
        text = gettext(message, **values)
    assert text != message % values if values else text != message, (language, message)
    return text


def visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.parametrize("language", ["de", "ru"])
def test_event_page_follows_the_browsers_language(app, client, march_path, language):
    html = client.get(march_path, headers={"Accept-Language": f"{language},en;q=0.5"}).text
    assert f'<html lang="{language}">' in html
    assert translated(app, language, "Changes and updates") in html
    assert "Changes and updates" not in html


def test_switcher_choice_is_remembered_over_the_browsers_language(app, client, march_path):
    response = client.get(f"/language/ru?next={march_path}")
    assert response.status_code == 302 and response.headers["Location"] == march_path
    html = client.get(march_path, headers={"Accept-Language": "de"}).text
    assert '<html lang="ru">' in html
    assert translated(app, "ru", "Changes and updates") in html


@pytest.mark.parametrize(
    "next_",
    [
        "/%09/evil.example",  # browsers drop the tab: //evil.example
        "/%0D%0ALocation:%20https://evil.example",  # a line break in a header
        "//evil.example",
        "/%5Cevil.example",  # /\evil.example: browsers read the backslash as a slash
        "/\\evil.example",
        "https://evil.example/",
        "/%2509/evil.example",  # the tab once more percent-encoded
        "evil.example",
    ],
)
def test_switcher_goes_back_only_to_a_path_of_this_site(client, next_):
    response = client.get(f"/language/ru?next={next_}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "lang=ru" in response.headers["Set-Cookie"]


def test_switcher_keeps_the_query_of_a_path_of_this_site(client):
    response = client.get("/language/de?next=/events%3Fq%3DBerlin")
    assert response.headers["Location"] == "/events?q=Berlin"


def test_unknown_language_code_changes_nothing(client, march_path):
    response = client.get(f"/language/xx?next={march_path}")
    assert response.status_code == 302
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert '<html lang="en">' in client.get(march_path).text


def catalogue(language: str):
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


@pytest.mark.parametrize("language", ["de", "ru"])
def test_no_english_interface_text_is_left_on_the_event_page(client, session, march_path, language):
    english = visible_text(client.get(march_path).text)
    other = visible_text(client.get(march_path, headers={"Accept-Language": language}).text)
    # The organisers' own words (title, places, schedule) stay as they wrote them.
    event = session.scalar(select(Event).where(Event.slug == demo.DEMO_SLUG))
    data = " ".join(
        [event.title, event.description_md, event.city]
        + [w.label for w in event.waypoints]
        + [f"{i.title} {i.description}" for i in event.schedule_items]
        + [r.name for r in event.roles]
    )
    left = []
    for message in catalogue(language):
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        # Whole interface sentences (several words, no placeholders) that the English page
        # shows must not show on the translated page.
        if not msgid or "%(" in msgid or "{" in msgid or len(msgid.split()) < 2:
            continue
        if msgid in english and msgid in other and msgid not in data:
            left.append(msgid)
    assert left == []


@pytest.mark.parametrize(("language", "weekday"), [("de", "Sonntag"), ("ru", "воскресенье")])
def test_reminder_email_is_in_the_participants_language(
    app, session, smtp_server, language, weekday
):
    start = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # Sunday 13:00 in Berlin
    event = make_event(session, starts_at=start)
    add_rsvp(session, event, f"{language}@example.org", language=language)
    session.commit()
    worker.run(once=True, now=start - timedelta(hours=23))
    [message] = smtp_server.inbox.to(f"{language}@example.org")
    body = message.get_body(("plain",)).get_content()
    assert weekday in body
    assert translated(app, language, "Reminder, tomorrow") in str(message["Subject"])
