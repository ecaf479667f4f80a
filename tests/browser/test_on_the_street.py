"""On the day: an open event page follows updates and the march's position without a reload,
opens offline from the service worker, and stays light enough for a crowded network."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from models import Event, User, utcnow
from services.events import demo
from tests.factories import make_event
from tests.plugins.browser import PHONE, open_kept_offline, wait_until_cached

DEMO_EMAIL, DEMO_PASSWORD = "demo@example.org", "demo organiser password"


@pytest.fixture
def app_settings():
    return {"LIVE_POLL_SECONDS": 1}


@pytest.fixture
def march(app) -> tuple[int, str]:
    with app.app_context():
        demo.seed(db.session, email=DEMO_EMAIL, password=DEMO_PASSWORD, now=utcnow())
        db.session.commit()
        event = db.session.scalar(select(Event).where(Event.slug == demo.DEMO_SLUG))
        return event.id, f"/e/{event.slug}"


def test_open_page_shows_a_new_update_and_the_marchs_position_without_reload(
    app, live_server, page, browser, march
):
    event_id, path = march
    with app.app_context():  # on the day: the march started a little while ago
        event = db.session.get(Event, event_id)
        event.starts_at, event.ends_at = (
            utcnow() - timedelta(minutes=20),
            utcnow() + timedelta(hours=3),
        )
        db.session.commit()
    page.goto(live_server + path)
    expect(page.get_by_role("heading", name="Changes and updates")).to_be_visible()
    page.evaluate("window.__notReloaded = true")

    organiser = browser.new_context(**PHONE).new_page()
    organiser.goto(f"{live_server}/login")
    organiser.get_by_label("Email").fill(DEMO_EMAIL)
    organiser.get_by_label("Password").fill(DEMO_PASSWORD)
    organiser.get_by_role("button", name="Log in").click()
    organiser.goto(f"{live_server}/organise/events/{event_id}/updates")
    organiser.get_by_label("Message to participants").fill("Assembly moved to the south exit.")
    organiser.get_by_role("button", name="Send").click()
    organiser.goto(f"{live_server}/organise/events/{event_id}/position")
    organiser.get_by_label("We are at").select_option(label="3. Brandenburg Gate")
    organiser.get_by_role("button", name="We are here").click()
    expect(organiser.get_by_text("The map now shows the march here.")).to_be_visible()

    updates = page.locator("[data-live-list]")
    expect(updates).to_contain_text("Assembly moved to the south exit.", timeout=5000)
    expect(page.locator("[data-live-position]")).to_contain_text("Brandenburg Gate")
    expect(page.locator(".march-position--front")).to_have_count(1)
    # Above every waypoint marker, and named in the legend.
    z = page.evaluate(
        """() => [document.querySelector('.march-position--front'),
                  ...document.querySelectorAll('.waypoint-marker')]
                 .map(el => parseInt(getComputedStyle(el).zIndex, 10))"""
    )
    assert z[0] > max(z[1:])
    expect(page.locator(".map-legend")).to_contain_text("Where the march is")
    # The page says when it last changed, counted in the browser: never when it was served.
    expect(page.locator("[data-live-changed]")).to_have_text("Last change: just now.")
    assert page.evaluate("window.__notReloaded") is True
    organiser.context.close()


def test_event_page_opens_offline_from_the_service_worker(live_server, phone, march):
    _, path = march
    page = phone.new_page()
    open_kept_offline(page, live_server + path, path)
    phone.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="Schedule")).to_be_visible()
    expect(page.get_by_text("Closing rally in front of the embassy")).to_be_visible()
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    expect(page.locator("[data-offline-banner]")).to_contain_text("You are offline")
    expect(page.locator(".map.map--ready path.route-line")).to_have_count(1)
    phone.set_offline(False)


def test_event_page_stays_within_its_byte_budget(live_server, page, march):
    _, path = march
    sizes: list[tuple[str, str, int]] = []
    page.on(
        "requestfinished",
        lambda request: sizes.append(
            (request.resource_type, request.url, request.sizes()["responseBodySize"])
        ),
    )
    page.goto(live_server + path, wait_until="networkidle")
    html = [size for kind, url, size in sizes if kind == "document"]
    map_parts = ("/vendor/leaflet/", "event-map.js")
    before_map = [
        size
        for kind, url, size in sizes
        if kind in ("document", "stylesheet", "script", "font")
        and not any(part in url for part in map_parts)
    ]
    assert html and html[0] <= 14 * 1024, sizes
    assert sum(before_map) <= 100 * 1024, sizes
    # The map's scripts do not hold up the text: they are deferred.
    deferred = page.evaluate(
        "[...document.scripts].filter(s => s.src.includes('leaflet')).every(s => s.defer)"
    )
    assert deferred


def test_schedule_marks_what_is_done(live_server, page, app, march):
    event_id, path = march
    with app.app_context():
        event = db.session.get(Event, event_id)
        # The march is on: it started 50 minutes ago, so its first item is over.
        shift = event.starts_at - (utcnow() - timedelta(minutes=50))
        event.starts_at -= shift
        event.ends_at -= shift
        for item in event.schedule_items:
            item.starts_at -= shift
        db.session.commit()
    page.goto(live_server + path)
    items = page.locator("[data-schedule-id]")
    expect(items.first).to_have_class(re.compile(r"\bis-done\b"))
    expect(items.nth(1)).to_have_class(re.compile(r"\bis-now\b"))
    expect(items.last).not_to_have_class(re.compile(r"\bis-done\b"))


def test_rsvp_from_the_event_page_without_leaving_it(live_server, page, march):
    _, path = march
    page.goto(live_server + path)
    assert page.context.cookies() == []  # reading the page leaves no trace
    page.evaluate("window.__notReloaded = true")
    page.get_by_role("link", name="RSVP").click()
    page.get_by_role("textbox", name="Email").fill("ana@example.org")
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    assert page.url == live_server + path


def test_event_page_is_accessible_with_its_map_and_rsvp_form(live_server, page, march):
    from tests.a11y import assert_accessible

    _, path = march
    page.goto(live_server + path)
    page.locator(".map.map--ready").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="RSVP").click()
    page.get_by_role("button", name="RSVP").click()  # empty: errors next to the fields
    expect(page.get_by_text("Enter your email address")).to_be_visible()
    assert_accessible(page)


def test_the_service_worker_keeps_public_event_pages_but_never_a_no_store_draft_preview(
    live_server, phone, app, march
):
    _, path = march
    with app.app_context():
        organiser = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
        draft = make_event(db.session, organiser.id, published=False, title="Secret draft")
        draft_path = f"/e/{draft.slug}"
    page = phone.new_page()
    page.goto(live_server + path)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(DEMO_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello, Demo organisers")).to_be_visible()
    page.goto(live_server + draft_path)
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    expect(page.get_by_role("heading", name="Secret draft")).to_be_visible()
    assert "no-store" in page.evaluate(
        "fetch(location.href).then(r => r.headers.get('Cache-Control'))"
    )

    # Logged out, the public page is stored. Each cache works through its writes in order,
    # so once that page is in, the draft preview would be too, had it been written.
    phone.clear_cookies()
    page.goto(live_server + path)
    wait_until_cached(page, path)
    phone.set_offline(True)
    with pytest.raises(PlaywrightError):
        page.goto(live_server + draft_path)
    public = phone.new_page()
    public.goto(live_server + path)
    expect(public.locator("[data-offline-banner]")).to_contain_text("You are offline")
    phone.set_offline(False)
