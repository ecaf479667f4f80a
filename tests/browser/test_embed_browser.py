"""Another website frames the event card: it shows there, unless the organisers allowed only
other sites; the notice to the authorities prints on A4.

The other website is a page served by the test itself on another address of the loopback
(127.0.0.2 and 127.0.0.3), so another origin than the app's 127.0.0.1."""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from models import Event, utcnow
from services.events import embed as embeds
from services.events import notice as notices
from tests.a11y import assert_accessible
from tests.factories import make_event
from tests.plugins.browser import log_in

# Screenshots to look at; a temporary folder unless RALLYPOINT_SHOTS names one.
SHOTS = Path(os.environ.get("RALLYPOINT_SHOTS") or Path(tempfile.gettempdir(), "rallypoint-shots"))


@contextmanager
def other_site(host: str, card_url: str) -> Iterator[str]:
    """A website at ``host`` whose one page frames ``card_url``, with the snippet organisers
    copy (an iframe)."""
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Our group</title>"
        "</head><body><h1>Our group's website</h1>"
        f"<iframe src='{card_url}' title='Event card' width='380' height='460'></iframe>"
        "</body></html>"
    ).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the name http.server calls)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):  # quiet: the test's output is the test's
            pass

    server = ThreadingHTTPServer((host, 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _march(app, organiser, origins: list[str] | None = None) -> str:
    with app.app_context():
        event = make_event(db.session, organiser[0], as_organiser=True)
        if origins is not None:
            embeds.save_origins(db.session, event, origins)
        db.session.commit()
        return event.slug


def test_another_website_shows_the_card_and_its_rsvp_opens_our_page(
    app, live_server, page, organiser
):
    slug = _march(app, organiser)
    with other_site("127.0.0.2", f"{live_server}/e/{slug}/embed") as site:
        page.goto(site)
        card = page.frame_locator("iframe[title='Event card']")
        expect(card.get_by_role("heading", name="March against the war")).to_be_visible()
        expect(card.get_by_text("Sunday 29 November 2026, 13:00 CET")).to_be_visible()
        expect(card.locator("svg .route-line")).to_be_visible()
        with page.context.expect_page() as opened:
            card.get_by_role("link", name="RSVP").click()
        full = opened.value
        expect(full.get_by_role("heading", name="March against the war")).to_be_visible()
        assert full.url == f"{live_server}/e/{slug}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "embed-on-another-site.png"))


def test_a_card_limited_to_one_site_shows_there_and_is_refused_elsewhere(
    app, live_server, page, organiser
):
    slug = _march(app, organiser)
    card_url = f"{live_server}/e/{slug}/embed"
    with other_site("127.0.0.2", card_url) as ours, other_site("127.0.0.3", card_url) as theirs:
        with app.app_context():
            event = db.session.scalars(select(Event).where(Event.slug == slug)).one()
            embeds.save_origins(db.session, event, [ours])
            db.session.commit()
        page.goto(ours)
        card = page.frame_locator("iframe[title='Event card']")
        expect(card.get_by_role("heading", name="March against the war")).to_be_visible()

        # Chromium says why it refuses the frame; then the frame holds its error page.
        with page.expect_console_message(lambda m: "frame-ancestors" in m.text):
            page.goto(theirs)
        expect(page.get_by_role("heading", name="Our group's website")).to_be_visible()
        expect(card.get_by_role("heading", name="March against the war")).to_have_count(0)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "embed-refused.png"))


def test_organisers_copy_the_snippet_and_print_the_notice_on_a4(
    app, live_server, browser, organiser
):
    with app.app_context():
        event = make_event(db.session, organiser[0], as_organiser=True, published=False)
        notices.save_details(
            db.session,
            event,
            notices.NoticeDetails(
                topic="Frieden jetzt",
                organiser="Friedensinitiative Kreuzberg\nOranienstraße 1, 10999 Berlin",
                leader="Erika Mustermann, 030 1234567",
                deputy="Max Mustermann, 030 7654321",
                streets="Ebertstraße\nUnter den Linden",
                expected_participants=800,
                stewards=20,
                loudspeakers="Zwei Megafone",
            ),
            utcnow(),
        )
        db.session.commit()
        event_id = event.id
    context = browser.new_context(viewport={"width": 1000, "height": 1400})
    try:
        page = context.new_page()
        log_in(page, live_server, organiser[1], organiser[2])
        page.goto(f"{live_server}/organise/events/{event_id}")
        # The overview's snippet, copied with its button.
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
        page.get_by_role("button", name="Copy code").click()
        expect(page.get_by_text("Copied.")).to_be_visible()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("<iframe src=") and "/embed" in copied

        page.get_by_role("link", name="Notice to the authorities").click()
        page.get_by_role("link", name="Versammlungsanzeige (Deutsch)").click()
        # The German sheet speaks German throughout, whatever the interface's language.
        expect(page.get_by_role("button", name="Drucken")).to_be_visible()  # print.js ran
        page.emulate_media(media="print")
        expect(
            page.get_by_role("heading", name="Anzeige einer Versammlung unter freiem Himmel")
        ).to_be_visible()
        expect(page.get_by_text("Erika Mustermann, 030 1234567")).to_be_visible()
        expect(page.locator("figure.sheet-route svg .route-line")).to_be_visible()
        expect(page.get_by_role("button", name="Drucken")).to_be_hidden()  # not printed
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "notice-de-print.png"), full_page=True)
        pdf = page.pdf(format="A4", print_background=True)
        (SHOTS / "notice-de-print.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF-")
        assert 1 <= len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) <= 2  # one or two A4 pages
    finally:
        context.close()


def test_the_card_flyer_and_notice_pages_are_accessible(app, live_server, page, organiser):
    """axe-core finds no WCAG 2.2 AA violation on the card, the flyer, the notice form (empty
    and with an error) and the sheet, as a phone shows them."""
    slug = _march(app, organiser)
    page.goto(f"{live_server}/e/{slug}/embed")
    expect(page.get_by_role("link", name="RSVP")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{live_server}/e/{slug}/flyer")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    assert_accessible(page)

    log_in(page, live_server, organiser[1], organiser[2])
    with app.app_context():
        event_id = db.session.scalars(select(Event.id).where(Event.slug == slug)).one()
    page.goto(f"{live_server}/organise/events/{event_id}/notice")
    expect(page.get_by_role("heading", name="Notice to the authorities: March")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Stewards").fill("-2")
    page.get_by_role("button", name="Save notice details").click()
    expect(page.get_by_label("Stewards")).to_have_accessible_description(
        re.compile("Enter a whole number, or leave empty.")
    )
    assert_accessible(page)
    page.goto(f"{live_server}/organise/events/{event_id}/notice/en")
    expect(
        page.get_by_role("heading", name="Notice of an assembly in the open air")
    ).to_be_visible()
    assert_accessible(page)
