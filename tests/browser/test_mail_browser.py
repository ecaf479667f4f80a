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

MANAGE_PATH = re.compile(r"/manage/[A-Za-z0-9_-]{43}$")


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


def fits_the_phone(page) -> None:
    """No sideways scrolling at 390 px, the "Your RSVP" button in view and big enough to tap."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    button = page.get_by_role("link", name=re.compile("^(Your RSVP|Deine Anmeldung)$"))
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 44


def test_the_confirmation_email_reads_on_a_phone_and_its_button_opens_the_rsvp(
    app, live_server, page, smtp_server
):
    from models import Waypoint
    from services.urls import manage_url
    from tests.factories import add_role, make_event, rsvp

    with app.app_context():
        event = make_event(db.session, city="Berlin", title="Demonstration für bezahlbare Mieten")
        db.session.add(
            Waypoint(
                event_id=event.id,
                seq=0,
                lat=52.5,
                lon=13.4,
                kind="assembly",
                label="Platz der Luftbrücke",
            )
        )
        db.session.commit()
        role = add_role(db.session, event, "Ordnerinnen und Ordner")
        mine = rsvp(db.session, event, "lena@example.org", role=role, name="Lena")
        other = rsvp(db.session, event, "jonas@example.org", role=role, language="de")
        links = {"lena": manage_url(mine), "jonas": manage_url(other)}
        worker.run(once=True)

    def html_to(address: str) -> str:
        confirmed = smtp_server.inbox.to(address)[-1]
        assert str(confirmed["Subject"]).startswith(("You are confirmed", "Anmeldung bestätigt"))
        return confirmed.get_body(("html",)).get_content()

    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.set_content(html_to("jonas@example.org"))  # German: the longest words
    fits_the_phone(page)
    expect(page.get_by_text("Platz der Luftbrücke, Berlin")).to_be_visible()

    page.set_content(html_to("lena@example.org"))
    fits_the_phone(page)
    for fact in ("Ordnerinnen und Ordner", "Platz der Luftbrücke, Berlin", "Starts", "Ends"):
        expect(page.get_by_text(fact, exact=True)).to_be_visible()
    page.emulate_media(color_scheme="dark")  # a phone in dark mode: light text on dark
    card = page.locator(".rp-card")
    expect(card).to_have_css("background-color", "rgb(30, 31, 35)")
    expect(page.locator(".rp-text").first).to_have_css("color", "rgb(236, 236, 236)")
    # Nothing loaded from anywhere: no images, fonts or styles. A ``cid:`` image (the check-in
    # QR code) is a part of the message itself, which the mail app shows from the message.
    assert [url for url in fetched if not url.startswith("cid:")] == []

    button = page.get_by_role("link", name="Your RSVP")
    assert button.get_attribute("href") == links["lena"]
    page.goto(live_server + MANAGE_PATH.search(links["lena"]).group(0))
    expect(page.get_by_role("status")).to_contain_text("You are confirmed")
    expect(page.get_by_label("Your name (optional)")).to_have_value("Lena")
