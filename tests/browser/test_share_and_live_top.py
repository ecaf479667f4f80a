"""On a phone: the event page's share panel (copy, share sheet, QR code, short link), and an
open page that shows an organiser's change at the top, on the event's clock even when the
phone is set to another zone."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from core.extensions import db
from models import Event, utcnow
from services import events
from services.route import parse_text
from tests.a11y import assert_accessible
from tests.factories import event_details, expand_all, make_event
from tests.plugins.browser import PHONE, open_kept_offline

# Screenshots to look at; a temporary folder unless RALLYPOINT_SHOTS names one.
SHOTS = Path(os.environ.get("RALLYPOINT_SHOTS") or Path(tempfile.gettempdir(), "rallypoint-shots"))
BASE = "http://127.0.0.1:5000"  # BASE_URL under tests: the links the page prints


@pytest.fixture
def app_settings():
    return {"LIVE_POLL_SECONDS": 1}


def _details(hour: int = 13):
    """The Berlin march a month from now, 13:00 to 16:00 (a published event may not move
    into the past)."""
    day = (utcnow() + timedelta(days=30)).date()
    return event_details(
        starts_local=datetime.combine(day, time(hour, 0)),
        ends_local=datetime.combine(day, time(16, 0)),
    )


@pytest.fixture
def march(app, organiser) -> tuple[int, str, str]:
    """(id, slug, short code) of a listed, published march with a route and a schedule."""
    with app.app_context():
        event = make_event(db.session, organiser[0], as_organiser=True)
        events.update_event(db.session, event, _details(), utcnow())
        db.session.commit()
        return event.id, event.slug, event.short_code


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def test_share_panel_copies_shares_and_shows_a_qr_code_and_short_link(browser, live_server, march):
    _id, slug, code = march
    page_url = f"{BASE}/e/{slug}"
    context = browser.new_context(**PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    # Chromium on Linux has no share sheet: stand one in, as a phone's browser provides it.
    context.add_init_script(
        """Object.defineProperty(Navigator.prototype, 'share', {configurable: true,
             value(data) { window.__shared = data; return Promise.resolve(); }});"""
    )
    page = context.new_page()
    page.goto(f"{live_server}/e/{slug}")
    panel = page.locator("section.share")
    panel.get_by_role("heading", name="Calendar and sharing").scroll_into_view_if_needed()

    panel.get_by_role("button", name="Copy link").click()
    expect(panel.get_by_role("status")).to_have_text("Copied. Paste the link anywhere.")
    assert page.evaluate("navigator.clipboard.readText()") == page_url

    panel.get_by_role("button", name="Share…").click()
    page.wait_for_function("window.__shared !== undefined")
    shared = page.evaluate("window.__shared")
    assert shared == {"title": "March against the war", "url": page_url}

    qr = panel.get_by_role("img", name="QR code of the link to this page")
    qr.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert qr.bounding_box()["width"] == 180  # fits a 390 px screen, big enough to scan

    short = panel.get_by_role("link", name=f"{BASE}/s/{code}")
    expect(short).to_be_visible()
    assert panel.bounding_box()["width"] <= 390  # nothing runs off the phone's screen
    page.evaluate("window.scrollTo(0, 0)")
    panel.get_by_role("heading", name="Calendar and sharing").evaluate(
        "h => h.scrollIntoView({block: 'start'})"
    )
    _shot(page, "event-share-panel-390.png")

    page.goto(f"{live_server}/s/{code}")  # typed in from a flyer
    expect(page).to_have_url(f"{live_server}/e/{slug}")
    expect(page.get_by_role("heading", name="March against the war")).to_be_visible()
    context.close()


def test_share_buttons_are_not_shown_without_javascript_or_a_share_sheet(
    browser, live_server, march
):
    _id, slug, _code = march
    without_js = browser.new_context(**PHONE, java_script_enabled=False)
    page = without_js.new_page()
    page.goto(f"{live_server}/e/{slug}")
    expect(page.get_by_role("link", name=f"{BASE}/e/{slug}")).to_be_visible()
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
    expect(page.get_by_role("button", name="Share…")).to_be_hidden()
    without_js.close()

    plain = browser.new_context(**PHONE)
    page = plain.new_page()
    page.goto(f"{live_server}/e/{slug}")
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    has_share = page.evaluate("typeof navigator.share === 'function'")
    share = page.get_by_role("button", name="Share…")
    expect(share).to_be_visible() if has_share else expect(share).to_be_hidden()
    plain.close()


CLOCK = re.compile(r"\b(\d\d):(\d\d)\b")


def _clock_times(page) -> list[tuple[str, str]]:
    """(instant, text) of every <time> on the page whose text holds a clock time."""
    pairs = page.eval_on_selector_all(
        "time[datetime]", "els => els.map(el => [el.getAttribute('datetime'), el.textContent])"
    )
    return [(at, text) for at, text in pairs if CLOCK.search(text)]


def test_an_open_page_shows_a_change_at_the_top_on_the_events_clock(
    app, browser, live_server, march
):
    event_id, slug, _code = march
    # A phone set to New York, reading a Berlin march.
    context = browser.new_context(**PHONE, timezone_id="America/New_York")
    page = context.new_page()
    page.goto(f"{live_server}/e/{slug}")
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == ("America/New_York")
    when = page.locator("[data-live-when]")
    expect(when).to_contain_text(re.compile(r", 13:00 CES?T, until 16:00$"))
    expect(page.locator("[data-live-assembly]")).to_have_text("Potsdamer Platz, Berlin")
    expect(
        page.get_by_text(re.compile(r"All times are local time in Berlin \(CES?T\)"))
    ).to_be_visible()
    expect(page.locator("[data-live-banner-text]")).to_be_empty()
    page.evaluate("window.__notReloaded = true")

    with app.app_context():  # the organiser moves the start and the assembly point
        event = db.session.get(Event, event_id)
        events.update_event(db.session, event, _details(hour=14), utcnow())
        events.save_route(
            db.session,
            event,
            parse_text(
                "52.5096, 13.3762, Leipziger Platz, assembly\n"
                "52.5163, 13.3777, Brandenburg Gate, stop\n"
                "52.5168, 13.3830, Russian embassy, end\n"
            ),
            utcnow(),
        )
        db.session.commit()

    expect(when).to_contain_text(re.compile(r", 14:00 CES?T, until 16:00$"))
    expect(page.locator("[data-live-assembly]")).to_have_text("Leipziger Platz, Berlin")
    banner = page.get_by_role("status").filter(has_text="Changed:")
    expect(banner).to_be_visible()
    # The banner says what the newest entry of "Changes and updates" says.
    newest = page.locator("[data-live-list] li").first.evaluate("li => li.lastChild.textContent")
    expect(banner).to_have_text(f"Changed: {newest}")
    assert page.evaluate("window.__notReloaded") is True

    # It stays in view while the reader scrolls down to the details.
    page.get_by_role("heading", name="Changes and updates").scroll_into_view_if_needed()
    expect(banner).to_be_in_viewport()
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, "event-change-banner-390.png")
    assert_accessible(page)  # the banner and its button too

    # One clock: every time shown is Berlin's, zone named, never the phone's New York time.
    berlin, new_york = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")
    times = _clock_times(page)
    assert times, "the changes list shows when each change was made"
    for at, text in times:
        instant = datetime.fromisoformat(at)
        assert f"{instant.astimezone(berlin):%H:%M}" in text, (at, text)
        assert f"{instant.astimezone(new_york):%H:%M}" not in text, (at, text)
    for text in page.locator("[data-live-list] time").all_text_contents():
        assert re.search(r"\d\d:\d\d CES?T$", text), text

    page.get_by_role("button", name="Dismiss").click()
    expect(page.locator("[data-live-banner-text]")).to_be_empty()
    expect(page.get_by_role("button", name="Dismiss")).to_have_count(0)
    context.close()


def test_the_offline_copy_keeps_its_qr_code_and_says_the_short_link_needs_a_connection(
    browser, live_server, march
):
    """Shown to a friend on the street without a signal: the code is still there."""
    _id, slug, code = march
    context = browser.new_context(**PHONE)
    page = context.new_page()
    open_kept_offline(page, f"{live_server}/e/{slug}", f"/e/{slug}/qr.svg")
    context.set_offline(True)
    try:
        page.reload()
        expect(page.locator("[data-offline-banner]")).to_be_visible()
        qr = page.get_by_role("img", name="QR code of the link to this page")
        qr.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=qr.element_handle()
        )
        page.goto(f"{live_server}/s/{code}")  # the short link is not kept: our offline page
        expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    finally:
        context.set_offline(False)
        context.close()


def test_a_change_undone_within_the_grace_period_leaves_an_open_page(
    app, browser, live_server, march
):
    """The organiser moves the start, then moves it back before anyone was told: the open
    page loses the change again (its entry and its banner), and says 13:00 once more."""
    event_id, slug, _code = march
    with app.app_context():  # participants were told of the march's first change
        expand_all(utcnow() + timedelta(minutes=10))
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/e/{slug}")
    when = page.locator("[data-live-when]")
    entries = page.locator("[data-live-list] li")
    expect(entries).to_have_count(1)
    told = entries.first.text_content()

    def move_start(hour: int) -> None:
        with app.app_context():
            event = db.session.get(Event, event_id)
            events.update_event(db.session, event, _details(hour=hour), utcnow())
            db.session.commit()

    move_start(14)
    expect(when).to_contain_text(re.compile(r", 14:00 CES?T, until 16:00$"))
    expect(entries).to_have_count(2)
    expect(page.get_by_role("status").filter(has_text="Changed:")).to_be_visible()

    move_start(13)
    expect(when).to_contain_text(re.compile(r", 13:00 CES?T, until 16:00$"))
    expect(entries).to_have_count(1)
    expect(entries.first).to_have_text(told)  # the change participants were told of stays
    expect(page.locator("[data-live-banner-text]")).to_be_empty()
    context.close()


def test_an_open_page_of_an_event_cancelled_meanwhile_stops_asking_for_rsvps(
    app, browser, live_server, march
):
    event_id, slug, _code = march
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/e/{slug}")
    expect(page.get_by_role("heading", name="Are you coming?")).to_be_visible()
    page.evaluate("window.__notReloaded = true")

    with app.app_context():
        event = db.session.get(Event, event_id)
        events.cancel(db.session, event, "The police banned the march.", utcnow())
        db.session.commit()

    expect(page.get_by_role("heading", name="This demonstration is cancelled")).to_be_visible()
    expect(page.get_by_role("link", name="RSVP")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="Changed: Cancelled")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    assert not [c for c in context.cookies() if c["name"] == "session"]
    context.close()
