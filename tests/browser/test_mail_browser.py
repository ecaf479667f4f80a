"""A participant RSVPs on a phone; the worker sends the link to confirm through a real SMTP
server; they open it and tap "Confirm"; the next email's manage link opens their RSVP."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from models import Event, utcnow
from services import worker
from services.events import demo


@pytest.fixture
def app_settings(smtp_server):
    return {"MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}


def test_confirm_link_arrives_the_tap_confirms_and_the_manage_link_opens_the_rsvp(
    app, live_server, page, smtp_server
):
    with app.app_context():
        demo.seed(
            db.session, email="demo@example.org", password="demo organiser password", now=utcnow()
        )
        db.session.commit()
        slug = db.session.scalar(select(Event.slug).where(Event.slug == demo.DEMO_SLUG))

    page.goto(f"{live_server}/e/{slug}")
    page.get_by_role("link", name="RSVP").click()
    page.get_by_role("textbox", name="Email").fill("lena@example.org")
    page.get_by_label("Your name (optional)").fill("Lena")
    page.get_by_label("Number of people, you included").fill("2")
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    with app.app_context():
        worker.run(once=True)
    [message] = smtp_server.inbox.to("lena@example.org")
    body = message.get_body(("plain",)).get_content()
    assert "March against the war" in str(message["Subject"])
    assert "/manage/" not in body  # nothing to manage before it is confirmed
    link = re.search(r"https?://\S+(/confirm/[A-Za-z0-9_-]{43})", body)
    assert link, body

    page.goto(live_server + link.group(1))
    page.get_by_role("button", name="Confirm my RSVP").click()
    expect(page.get_by_text("Thank you: your RSVP is confirmed and counts now.")).to_be_visible()
    expect(page.get_by_role("status").last).to_contain_text("You are confirmed, 2 people")

    with app.app_context():
        worker.run(once=True)
    [_confirm, confirmed] = smtp_server.inbox.to("lena@example.org")
    assert str(confirmed["Subject"]).startswith("You are confirmed")
    body = confirmed.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+(/manage/[A-Za-z0-9_-]{43})", body)
    assert link, body

    page.goto(live_server + link.group(1))
    expect(page.get_by_role("status")).to_contain_text("You are confirmed, 2 people")
    expect(page.get_by_label("Your name (optional)")).to_have_value("Lena")
    expect(page.get_by_label("Number of people, you included")).to_have_value("2")
