"""axe-core (WCAG 2.2 AA) on a phone: the RSVP form empty and with errors, "check your
inbox", the confirm page, the manage page, the cancel confirmation, the organiser's attendee
page and the unsubscribe page. Each must have zero violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from models import OutboxMessage
from tests.a11y import assert_accessible
from tests.factories import add_role, make_event
from tests.plugins.browser import confirm_path, log_in, manage_path


@pytest.fixture
def event(app, organiser):
    with app.app_context():
        event = make_event(db.session, organiser[0], capacity=50, max_party_size=5)
        add_role(db.session, event, name="Stewards", needed=4, needs_approval=True)
        return event


def _rsvp(page, live_server, event, email: str) -> None:
    page.goto(f"{live_server}/e/{event.slug}/rsvp")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Your name (optional)").fill("Kim")
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()


def _confirm(app, page, live_server, email: str, *, check: bool = False) -> None:
    page.goto(live_server + confirm_path(app, email))
    expect(page.get_by_role("heading", name="Confirm your RSVP")).to_be_visible()
    if check:
        assert_accessible(page)
    page.get_by_role("button", name="Confirm my RSVP").click()
    expect(page.get_by_text("Thank you: your RSVP is confirmed and counts now.")).to_be_visible()


def test_rsvp_form_empty_and_with_errors(live_server, page, event):
    page.goto(f"{live_server}/e/{event.slug}/rsvp")
    assert_accessible(page)

    page.get_by_label("Email", exact=True).fill("kim-at-example")
    page.get_by_label("Number of people, you included").fill("9")
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_text("Enter an email address like name@example.org.")).to_be_visible()
    assert_accessible(page)


def test_rsvp_page_with_errors_as_rendered_without_javascript(live_server, page, event):
    # The whole page the server renders for a form posted without fetch (as without
    # JavaScript); axe itself needs scripts, so the form's fetch hook is taken off instead.
    page.goto(f"{live_server}/e/{event.slug}/rsvp")
    page.evaluate("document.querySelector('[data-rsvp-form]').removeAttribute('data-rsvp-form')")
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_text("Enter your email address.")).to_be_visible()
    assert_accessible(page)

    page.evaluate("document.querySelector('[data-rsvp-form]').removeAttribute('data-rsvp-form')")
    page.get_by_label("Email", exact=True).fill("kim.page@example.org")
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert_accessible(page)


def test_check_your_inbox_manage_cancel_and_unsubscribe(app, live_server, page, event):
    _rsvp(page, live_server, event, "kim.a11y@example.org")
    assert_accessible(page)
    _confirm(app, page, live_server, "kim.a11y@example.org", check=True)

    manage = manage_path(app, "kim.a11y@example.org")
    page.goto(live_server + manage)
    expect(page.get_by_role("heading", name="Your RSVP", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Number of people, you included").fill("0")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Enter a number from 1 to 5.")).to_be_visible()
    assert_accessible(page)

    page.goto(live_server + manage + "/cancel")
    expect(page.get_by_role("heading", name="Cancel your RSVP?")).to_be_visible()
    assert_accessible(page)

    page.goto(live_server + unsubscribe_path(app, "kim.a11y@example.org"))
    expect(page.get_by_role("heading", name="Stop emails")).to_be_visible()
    assert_accessible(page)


def test_organiser_attendee_page(app, live_server, page, event, organiser):
    _rsvp(page, live_server, event, "kim.list@example.org")  # left unconfirmed
    page.goto(f"{live_server}/e/{event.slug}/rsvp")
    page.get_by_label("Email", exact=True).fill("sam.list@example.org")
    page.get_by_label("Role").select_option(label="Stewards: 0 of 4 (organisers approve)")
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    _confirm(app, page, live_server, "sam.list@example.org")

    log_in(page, live_server, organiser[1], organiser[2])
    page.goto(f"{live_server}/organise/events/{event.id}/attendees")
    expect(page.get_by_role("heading", name="Who is coming")).to_be_visible()
    expect(page.get_by_role("button", name="Approve sam.list@example.org")).to_be_visible()
    expect(page.get_by_text("1 RSVP is not confirmed yet")).to_be_visible()
    expect(page.get_by_text("kim.list@example.org")).to_have_count(0)
    assert_accessible(page)


def unsubscribe_path(app, email: str) -> str:
    """The unsubscribe link of the newest email to ``email`` (its List-Unsubscribe header)."""
    with app.app_context():
        headers = db.session.scalars(
            select(OutboxMessage.headers)
            .where(OutboxMessage.to_addr == email)
            .order_by(OutboxMessage.id.desc())
        ).first()
    return re.search(r"/unsubscribe/[^>]+", headers["List-Unsubscribe"]).group(0)
