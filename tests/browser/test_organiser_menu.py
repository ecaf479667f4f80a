"""An organiser on a desktop finds every tool of an event from one menu, on every page of it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.extensions import db
from tests.factories import make_event
from tests.plugins.browser import log_in

DESKTOP = {"viewport": {"width": 1280, "height": 800}}

# Menu entry → the heading its page shows.
PAGES = [
    ("Details", "Details: March against the war"),
    ("Route", "Route: March against the war"),
    ("Schedule", "Schedule: March against the war"),
    ("Roles", "Roles"),
    ("Who is coming", "Who is coming"),
    ("Updates", "Updates to participants"),
    ("On the day", "Where is the march?"),
    ("Organisers", "Organisers: March against the war"),
    ("Languages", "Languages: March against the war"),
    ("Overview", "March against the war"),
]


@pytest.fixture
def desktop(browser):
    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_every_tool_is_one_click_away_from_every_page_of_the_event(
    app, live_server, desktop, organiser
):
    user_id, email, password = organiser
    with app.app_context():
        make_event(db.session, user_id, as_organiser=True)
    log_in(desktop, live_server, email, password)
    desktop.get_by_role("link", name="March against the war").click()
    menu = desktop.get_by_role("navigation", name="Organise this demonstration")
    expect(menu).to_be_visible()

    for entry, heading in PAGES:
        menu.get_by_role("link", name=entry, exact=True).click()
        expect(desktop.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(menu.get_by_role("link", name=entry, exact=True)).to_have_attribute(
            "aria-current", "page"
        )

    menu.get_by_role("link", name="On the day", exact=True).click()
    desktop.get_by_role("link", name="Steward links").click()
    expect(desktop.get_by_role("heading", name="Steward links")).to_be_visible()
    expect(menu.get_by_role("link", name="On the day", exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def test_the_menu_wraps_in_one_aligned_block_with_the_site_styles(
    app, live_server, desktop, organiser
):
    user_id, email, password = organiser
    with app.app_context():
        event_id = make_event(db.session, user_id, as_organiser=True).id
    log_in(desktop, live_server, email, password)
    for path in ("organisers", "attendees", "updates", "stewards"):
        desktop.goto(f"{live_server}/organise/events/{event_id}/{path}")
        links = desktop.locator(".organise-nav li")
        expect(links.first).to_be_visible()
        # The entries sit in a row (flex), not stacked as a plain list.
        tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(3))}
        assert len(tops) == 1, f"/{path}: the menu's first entries are not in one row"
