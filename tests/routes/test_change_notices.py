"""An organiser's change to a published event shows at once, but participants are emailed
only after a grace period (CHANGE_NOTICE_DELAY): edits meanwhile become one email, an edit
back sends none, and "send now" skips the wait. Each participant, page and feed reads the
change in its own language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from models import FanoutJob, utcnow
from services import worker
from services.times import format_time, to_local
from tests.factories import EVENT_FORM, add_rsvp, make_event

DELAY = timedelta(minutes=5)  # CHANGE_NOTICE_DELAY's default


@pytest.fixture
def app_settings(smtp_server):
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}


@dataclass(frozen=True)
class March:
    id: int
    title: str
    starts_at: datetime  # as arranged, before any edit
    timezone: str


@pytest.fixture
def event(session, organiser) -> March:
    """A published march a week ahead, on the hour, with a participant in each language."""
    start = (utcnow() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    event = make_event(session, organiser[0], starts_at=start, slug="berlin-march")
    for language in ("en", "de", "ru"):
        add_rsvp(session, event, f"{language}@example.org", language=language)
    session.commit()
    return March(event.id, event.title, event.starts_at, event.timezone)


def local(event: March, hours: int = 0) -> str:
    return to_local(event.starts_at + timedelta(hours=hours), event.timezone).strftime(
        "%Y-%m-%dT%H:%M"
    )


def edit(client, event: March, *, start: int = 0, **fields):
    """Save the details form with the start moved by ``start`` hours from the event's start
    as the test arranged it (the end follows)."""
    form = {
        **EVENT_FORM,
        "title": event.title,
        "starts_at": local(event, start),
        "ends_at": local(event, start + 3),
        "city": "Berlin",
        **fields,
    }
    response = client.submit(f"/organise/events/{event.id}/edit", form)
    assert response.status_code == 302, response.text
    return client.get(response.headers["Location"]).text


def text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def hhmm(event: March, hours: int = 0) -> str:
    return format_time(event.starts_at + timedelta(hours=hours), event.timezone)


def plain(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_notice_waits_then_each_participant_reads_the_change_in_their_language(
    logged_in, session, smtp_server, event
):
    old, new = hhmm(event), hhmm(event, 1)
    overview = text(edit(logged_in, event, start=1))

    job = session.scalar(select(FanoutJob))
    told_at = to_local(job.run_after, event.timezone)
    assert f"Participants will be told at {told_at:%H:%M} {told_at.tzname()}." in overview
    assert "They will read:" in overview
    assert f"Start moved from {old} to {new}" in overview
    assert "Send now" in overview

    worker.run(once=True, now=utcnow())
    assert smtp_server.messages == []  # nothing yet: the organiser may still correct it

    worker.run(once=True, now=utcnow() + DELAY)
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "de@example.org",
        "en@example.org",
        "ru@example.org",
    ]
    assert f"Start moved from {old} to {new}" in plain(smtp_server.inbox.to("en@example.org")[0])
    german = smtp_server.inbox.to("de@example.org")[0]
    assert f"Beginn verschoben von {old} auf {new}" in plain(german)
    assert "Start moved" not in plain(german)
    russian = smtp_server.inbox.to("ru@example.org")[0]
    assert f"Начало перенесено с {old} на {new}" in plain(russian)

    overview = text(logged_in.get(f"/organise/events/{event.id}").text)
    assert "Participants were told of the latest change on" in overview
    assert "Send now" not in overview


def test_edits_within_the_grace_period_are_one_email_of_the_net_change(
    logged_in, session, smtp_server, event
):
    edit(logged_in, event, start=1)
    edit(logged_in, event, start=2)
    edit(logged_in, event, start=2, city="Potsdam")

    worker.run(once=True, now=utcnow() + DELAY)

    [message] = smtp_server.inbox.to("en@example.org")
    body = plain(message)
    assert f"Start moved from {hhmm(event)} to {hhmm(event, 2)}" in body
    assert "City changed from Berlin to Potsdam." in body
    assert hhmm(event, 1) not in body  # the step in between is not news
    assert len(smtp_server.messages) == 3


def test_an_edit_back_sends_nothing_and_the_page_shows_no_change(
    app, logged_in, session, smtp_server, event
):
    edit(logged_in, event, start=1)
    overview = text(edit(logged_in, event, start=0))
    assert "They will read:" not in overview
    assert "Participants will be told" not in overview

    worker.run(once=True, now=utcnow() + DELAY)
    assert smtp_server.messages == []

    anonymous = app.test_client()
    page = text(anonymous.get("/e/berlin-march").text)
    assert "Start moved" not in page
    assert "No changes since it was published." in page
    assert anonymous.get("/e/berlin-march/live.json").json["updates"] == []


def test_send_now_sends_at_once(logged_in, session, smtp_server, event):
    edit(logged_in, event, start=1)
    path = f"/organise/events/{event.id}/changes/send"
    sent = logged_in.submit(path, form_page=f"/organise/events/{event.id}")
    assert sent.status_code == 302
    assert "Participants are being told now." in logged_in.get(sent.headers["Location"]).text

    worker.run(once=True, now=utcnow())
    assert len(smtp_server.messages) == 3

    again = logged_in.submit(path, form_page=f"/organise/events/{event.id}")
    assert "No change notice is waiting" in logged_in.get(again.headers["Location"]).text


def test_send_now_needs_the_forms_token(logged_in, session, smtp_server, event):
    edit(logged_in, event, start=1)
    refused = logged_in.post(f"/organise/events/{event.id}/changes/send")
    assert refused.status_code == 400
    worker.run(once=True, now=utcnow())
    assert smtp_server.messages == []


def test_page_and_feed_word_changes_in_the_readers_language_and_never_share_a_body(
    app, logged_in, session, event
):
    edit(logged_in, event, start=1)
    anonymous = app.test_client()
    german_page = text(anonymous.get("/e/berlin-march", headers={"Accept-Language": "de"}).text)
    assert f"Beginn verschoben von {hhmm(event)} auf {hhmm(event, 1)}" in german_page
    assert "Start moved" not in german_page

    feeds = {}
    for language in ("ru", "de", "ru", "en"):
        feed = anonymous.get("/e/berlin-march/live.json", headers={"Accept-Language": language})
        assert "Accept-Language" in feed.headers["Vary"]
        feeds.setdefault(language, []).append(feed)
    summaries = {lang: answers[-1].json["updates"][0]["summary"] for lang, answers in feeds.items()}
    assert summaries["ru"].startswith("Начало перенесено")
    assert summaries["de"].startswith("Beginn verschoben")  # asked after Russian was cached
    assert summaries["en"].startswith("Start moved")
    assert feeds["ru"][0].json == feeds["ru"][1].json
    assert len({answers[0].headers["ETag"] for answers in feeds.values()}) == 3

    # A German reader holding the Russian ETag gets the German feed, not a 304.
    german = anonymous.get(
        "/e/berlin-march/live.json",
        headers={"Accept-Language": "de", "If-None-Match": feeds["ru"][0].headers["ETag"]},
    )
    assert german.status_code == 200
    assert german.json["updates"][0]["summary"].startswith("Beginn verschoben")


def test_saving_the_route_of_a_published_event_says_when_participants_will_be_told(
    logged_in, session, event
):
    route = (
        "52.5096, 13.3762, Potsdamer Platz, assembly\n52.5130, 13.3774\n"
        "52.5168, 13.3830, Russian embassy, end\n"
    )
    saved = logged_in.submit(f"/organise/events/{event.id}/route", {"points_text": route})
    assert saved.status_code == 302
    page = text(logged_in.get(saved.headers["Location"]).text)
    job = session.scalar(select(FanoutJob))
    told_at = to_local(job.run_after, event.timezone)
    assert f"Participants will be told at {told_at:%H:%M} {told_at.tzname()}." in page

    overview = text(logged_in.get(f"/organise/events/{event.id}").text)
    assert "Assembly point moved to Potsdamer Platz." in overview
    assert "Route changed: now" in overview


def test_the_overview_speaks_the_organisers_language(logged_in, session, event):
    edit(logged_in, event, start=1)
    logged_in.get("/language/de")
    overview = text(logged_in.get(f"/organise/events/{event.id}").text)
    assert "Jetzt senden" in overview
    assert f"Beginn verschoben von {hhmm(event)} auf {hhmm(event, 1)}" in overview
