"""On a phone, with and without JavaScript: RSVP, open the emailed link, tap "Confirm",
change, cancel."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.extensions import db
from tests.factories import make_event
from tests.plugins.browser import PHONE, confirm_path


@pytest.fixture
def event(app):
    with app.app_context():
        return make_event(db.session, capacity=50, max_party_size=5)


def rsvp_change_and_cancel(page, app, live_server, event, email: str) -> None:
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Your name (optional)").fill("Kim")
    page.get_by_label("Number of people, you included").fill("2")
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    page.goto(live_server + confirm_path(app, email))
    expect(page.get_by_role("heading", name="Confirm your RSVP")).to_be_visible()
    page.get_by_role("button", name="Confirm my RSVP").click()
    expect(page.get_by_text("Thank you: your RSVP is confirmed and counts now.")).to_be_visible()
    expect(page.get_by_text("You are confirmed, 2 people")).to_be_visible()
    page.get_by_label("Number of people, you included").fill("3")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your RSVP is updated.")).to_be_visible()
    expect(page.get_by_text("You are confirmed, 3 people")).to_be_visible()

    page.get_by_role("link", name="Cancel my RSVP").click()
    expect(page.get_by_role("heading", name="Cancel your RSVP?")).to_be_visible()
    page.get_by_role("button", name="Yes, cancel my RSVP").click()
    expect(page.get_by_text("This RSVP is cancelled.")).to_be_visible()


def test_rsvp_with_javascript_stays_on_the_page(app, live_server, page, event):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server}/e/{event.slug}/rsvp")
    page.evaluate("window.stillHere = true")

    # A mistake first: the message appears next to the field, without a page load.
    page.get_by_label("Email", exact=True).fill("kim-at-example")
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_text("Enter an email address like name@example.org.")).to_be_visible()
    expect(page.get_by_label("Email", exact=True)).to_have_value("kim-at-example")
    assert page.evaluate("window.stillHere") is True

    page.get_by_label("Email", exact=True).fill("")
    rsvp_change_and_cancel(page, app, live_server, event, "kim.js@example.org")
    # No CSP violation and no script error (the browser logs the 422 answer itself).
    assert [e for e in errors if "status of 422" not in e] == []


def test_rsvp_without_javascript(app, live_server, browser, event):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/e/{event.slug}/rsvp")
        page.get_by_label("Email", exact=True).fill("kim-at-example")
        page.get_by_role("button", name="RSVP").click()
        expect(page.get_by_text("Enter an email address like name@example.org.")).to_be_visible()
        rsvp_change_and_cancel(page, app, live_server, event, "kim.nojs@example.org")
    finally:
        context.close()
