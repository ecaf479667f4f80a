"""On the copy of the event page kept for offline use, every link and button either works or
says "you are offline" in the page: never the browser's own "no internet" page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from models import Event, utcnow
from services.events import demo
from tests.plugins.browser import PHONE, open_kept_offline


@pytest.fixture
def march_path(app) -> str:
    with app.app_context():
        demo.seed(db.session, email="demo@example.org", password="demo password 1", now=utcnow())
        db.session.commit()
        return "/e/" + db.session.scalar(select(Event.slug).where(Event.slug == demo.DEMO_SLUG))


@pytest.fixture
def offline_copy(live_server, phone, march_path):
    """The march's page, kept by the service worker, opened again without a connection."""
    page = phone.new_page()
    open_kept_offline(page, live_server + march_path, "/offline")
    phone.set_offline(True)
    page.reload()
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    yield page
    phone.set_offline(False)


def test_tapping_rsvp_offline_says_so_on_the_page(offline_copy, march_path):
    offline_copy.get_by_role("link", name="RSVP", exact=True).click()
    expect(offline_copy.get_by_role("alert")).to_contain_text(
        "You are offline. An RSVP needs a connection"
    )
    assert offline_copy.url.endswith(march_path)
    expect(offline_copy.get_by_role("heading", name="Are you coming?")).to_be_visible()


def test_a_link_to_a_page_not_kept_offline_opens_our_offline_page(offline_copy):
    offline_copy.get_by_role("link", name="Rallypoint", exact=True).click()
    expect(offline_copy.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(offline_copy.locator("[data-offline-page]")).to_contain_text(
        "Nothing you sent was received."
    )


def test_the_offline_page_speaks_the_phones_language(browser, live_server, march_path):
    context = browser.new_context(**PHONE, locale="de-DE")
    try:
        page = context.new_page()
        open_kept_offline(page, live_server + march_path, "/offline")
        context.set_offline(True)
        page.goto(live_server + "/events")
        expect(page.get_by_role("heading", name="Du bist offline")).to_be_visible()
    finally:
        context.set_offline(False)
        context.close()
