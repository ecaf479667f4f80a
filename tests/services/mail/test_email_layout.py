"""What a participant reads in each email, as their mail app gets it (real worker, real SMTP
server): one column that fits a phone, the details (role, assembly point, start and end with
the day and the zone, the event's link) in the HTML and the text alike, the "Your RSVP" button
to their manage page, in English, German and Russian; nothing loaded from elsewhere. Account
emails get the same layout and a button."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models import EventChange, OutboxMessage, Waypoint
from services import worker
from services.accounts import request_reset
from services.mail import notify
from services.rsvp import checkin as checkins
from services.urls import event_url, manage_url
from tests.factories import add_role, add_rsvp, expand_all, make_event, make_user, rsvp

START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # Sunday 13:00 in Berlin, until 16:00
BUTTON = re.compile(r'<a class="rp-button" href="([^"]+)"[^>]*>([^<]+)</a>')

# What each language says: (button, labels, the start, the end)
WORDS = {
    "en": ("Your RSVP", ("Role", "Assemble at", "Starts", "Ends", "Time zone"),
           "Sunday 29 November 2026, 13:00 CET", "16:00 CET"),
    "de": ("Deine Anmeldung", ("Rolle", "Treffpunkt", "Beginn", "Ende", "Zeitzone"),
           "Sonntag, 29. November 2026, 13:00 Uhr CET", "16:00 Uhr CET"),
    "ru": ("Ваша запись", ("Роль", "Место сбора", "Начало", "Окончание", "Часовой пояс"),
           "воскресенье, 29 ноября 2026, 13:00 CET", "16:00 CET"),
}  # fmt: skip


@pytest.fixture
def app_settings(smtp_server):
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}


@pytest.fixture
def march(session):
    event = make_event(session, starts_at=START, city="Berlin")
    session.add(
        Waypoint(
            event_id=event.id, seq=0, lat=52.5, lon=13.4, kind="assembly", label="Brandenburger Tor"
        )
    )
    session.commit()
    return event


def parts(message) -> tuple[str, str]:
    return tuple(
        message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html")
    )


def assert_phone_ready(html: str) -> None:
    """One column for a phone, and nothing a mail app would fetch from elsewhere (an image
    inside the message itself, ``cid:``, is no fetch: a volunteer's check-in QR code)."""
    html = re.sub(r'<img src="cid:[^"]+"', "", html)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "max-width: 600px" in html
    assert '<meta name="color-scheme" content="light dark">' in html
    assert not re.search(r"<img|<link|@import|url\(|src=", html, re.I)


@pytest.mark.parametrize("lang", ["en", "de", "ru"])
def test_confirmation_gives_role_place_start_end_link_and_the_button_in_html_and_text(
    session, smtp_server, march, lang
):
    stewards = add_role(session, march, "Stewards")
    mine = rsvp(
        session,
        march,
        "ada@example.org",
        role=stewards,
        language=lang,
        now=START - timedelta(days=3),
    )
    worker.run(once=True, now=START - timedelta(days=3))

    [_confirm, confirmed] = smtp_server.inbox.to("ada@example.org")
    text, html = parts(confirmed)
    button, labels, starts, ends = WORDS[lang]
    assert_phone_ready(html)
    assert BUTTON.findall(html) == [(manage_url(mine), button)]
    role, assemble, start, end, zone = labels
    for facts in (text, html):
        assert "Stewards" in facts
        assert "Brandenburger Tor, Berlin" in facts
        assert starts in facts and ends in facts
        assert "Europe/Berlin" in facts
        assert event_url(march) in facts
    assert f"{role}: Stewards\n{assemble}: Brandenburger Tor, Berlin\n" in text
    assert f"{start}: {starts}\n{end}: {ends}\n{zone}: Europe/Berlin\n" in text
    assert manage_url(mine) in text.splitlines()  # a link on a line of its own
    assert re.search(f">{role}</span><span[^>]*>Stewards</span>", html)
    assert re.search(f">{start}</span><span[^>]*>{starts}</span>", html)
    # A volunteer's check-in code: the words in both parts, the QR code an inline image that
    # the HTML names by its Content-ID (mail apps show those; many refuse data URIs).
    code = checkins.code_for(mine)
    assert code in text and code in html
    [image] = [p for p in confirmed.walk() if p.get_content_type() == "image/png"]
    assert image.get_content().startswith(b"\x89PNG")
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
    assert "data:image" not in html


def test_reminder_update_and_change_notices_carry_the_details_and_their_own_button(
    session, smtp_server, march
):
    ada = add_rsvp(session, march, "ada@example.org", name="Ada")
    update = EventChange(
        event_id=march.id, revision=0, kind="update", summary="Bring water.", is_update=True
    )
    session.add(update)
    session.flush()
    notify.organiser_update(session, march, update, START - timedelta(days=2))
    expand_all(START - timedelta(days=2))
    worker.run(once=True, now=START - timedelta(hours=23))  # sends the update and the reminder

    messages = smtp_server.inbox.to("ada@example.org")
    assert sorted(str(m["Subject"]) for m in messages) == [
        "Reminder, tomorrow: March for the Climate",
        "Update: March for the Climate",
    ]
    for message in messages:
        text, html = parts(message)
        assert_phone_ready(html)
        assert BUTTON.findall(html) == [(manage_url(ada), "Your RSVP")]
        assert "Starts: Sunday 29 November 2026, 13:00 CET\nEnds: 16:00 CET\n" in text
        assert "Assemble at: Brandenburger Tor, Berlin" in text
        assert re.search(">Assemble at</span><span[^>]*>Brandenburger Tor, Berlin</span>", html)


def test_opt_in_email_has_the_confirm_button_and_no_manage_link(session, smtp_server, march):
    new = add_rsvp(session, march, "new@example.org", status="unconfirmed", created_at=START)
    notify.rsvp_confirm(session, march, new, START - timedelta(days=2), hours=24)
    session.commit()
    worker.run(once=True, now=START - timedelta(days=2))

    [message] = smtp_server.messages
    text, html = parts(message)
    [(link, label)] = BUTTON.findall(html)
    assert label == "Confirm my RSVP" and "/confirm/" in link and link in text
    assert "/manage/" not in html and "/manage/" not in text


def test_neutral_subject_keeps_the_html_head_and_preheader_free_of_the_title(session, smtp_server):
    event = make_event(session, starts_at=START, neutral_subject="Sunday walk")
    mine = add_rsvp(session, event, "ada@example.org")
    notify.rsvp_received(session, event, mine, START - timedelta(days=2))
    session.commit()
    worker.run(once=True, now=START - timedelta(days=2))

    _text, html = parts(smtp_server.messages[0])
    before_greeting = html.split("<p>Hello")[0]  # head, <title>, preheader
    assert "<title>You are confirmed: Sunday walk</title>" in before_greeting
    assert "Climate" not in before_greeting
    assert "March for the Climate" in html  # the body still says what it is


def test_password_reset_gets_the_layout_and_a_button(app, session, smtp_server):
    make_user(session, "org@example.org")
    request_reset(session, "org@example.org", START)
    session.commit()
    worker.run(once=True, now=START)

    [message] = smtp_server.messages
    text, html = parts(message)
    assert_phone_ready(html)
    [(link, label)] = BUTTON.findall(html)
    assert label == "Choose a new password"
    assert link in text  # the same link in the text part
    assert '<html lang="en">' in html


def test_folded_reminder_rows_hold_no_address(session, march):
    ben = add_rsvp(session, march, "ben@example.org", status="waitlisted")
    ben.status = "confirmed"
    notify.rsvp_promoted(session, march, ben, START - timedelta(hours=1))
    session.commit()
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(r.kind, r.status, r.to_addr) for r in rows] == [
        ("rsvp_promoted", "queued", "ben@example.org"),
        ("reminder", "dropped", None),
        ("reminder", "dropped", None),
    ]
