"""A steward checks volunteers in on a phone: a typed code, a scanned QR code (Chromium's fake
camera showing a generated QR code), a name, and while offline; the organisers' day view
counts it without a reload. axe-core (WCAG 2.2 AA) checks the pages on the way. Set
``RP_SHOTS`` to a folder to keep phone screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import segno
from playwright.sync_api import expect

from core.extensions import db
from models import Event, utcnow
from services import tokens
from services.live import positions as march
from services.rsvp import checkin as checkins
from tests.a11y import assert_accessible
from tests.factories import PASSWORD, add_role, add_rsvp, make_event, make_user
from tests.plugins.browser import CHROMIUM_ARGS, CHROMIUM_PATH, PHONE, log_in

SHOTS = os.environ.get("RP_SHOTS")


@pytest.fixture
def app_settings():
    return {"LIVE_POLL_SECONDS": 1}


@pytest.fixture
def world(app) -> dict:
    """An event on today with stewards (two volunteers, one more needed) and a steward link."""
    with app.app_context():
        session = db.session
        owner = make_user(session, "owner@example.org", display_name="Berlin Org")
        event = make_event(session, owner.id, slug="checkin-day")
        stewards = add_role(session, event, "Stewards", needed=3)
        ada = add_rsvp(session, event, "ada@example.org", name="Ada Lovelace", role_id=stewards.id)
        grace = add_rsvp(
            session, event, "grace@example.org", name="Grace Hopper", role_id=stewards.id
        )
        token = march.create_steward_link(session, event, label="Gate", now=utcnow())
        session.commit()
        return {
            "event_id": event.id,
            "path": f"/steward/{token}/checkin",
            "ada": checkins.code_for(ada),
            "grace": checkins.code_for(grace),
            "manage": f"/manage/{tokens.rsvp_token(ada.token_salt)}",
        }


def shot(page, name: str, *, full_page: bool = True) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"checkin-{name}.png"), full_page=full_page)


def test_a_typed_code_checks_in_once_and_a_bad_one_is_named_at_the_field(live_server, page, world):
    page.goto(live_server + world["path"])
    code = page.get_by_label("Check-in code")
    code.fill("x7q-4mz")
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.locator("#code-error")).to_have_text(
        "A check-in code has 10 letters and digits, like K7Q-4MZ-X2PA."
    )
    expect(code).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    code.fill(" " + world["ada"].lower().replace("-", " ") + " ")  # as read out, in lower case
    page.get_by_role("button", name="Check in", exact=True).click()
    result = page.locator("#checkin-result")
    expect(result).to_have_text("Checked in: Ada Lovelace, Stewards.")
    expect(page.locator("#code-error")).to_be_hidden()
    expect(code).to_have_value("")
    shot(page, "steward")
    assert_accessible(page)

    code.fill(world["ada"])
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(result).to_contain_text("Already checked in at ")


def test_a_volunteer_without_the_code_is_found_by_name(live_server, page, world):
    page.goto(live_server + world["path"])
    page.get_by_label("Name").fill("hop")
    found = page.locator("#search-results li")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Grace Hopper · Stewards")
    found.get_by_role("button", name="Check in").click()
    expect(page.locator("#checkin-result")).to_have_text("Checked in: Grace Hopper, Stewards.")
    expect(found).to_contain_text("checked in")


def test_offline_check_ins_wait_on_the_phone_and_reach_the_day_view(
    live_server, browser, page, world
):
    organiser = browser.new_context(**PHONE).new_page()
    log_in(organiser, live_server, "owner@example.org", PASSWORD)
    organiser.goto(f"{live_server}/organise/events/{world['event_id']}/checkins")
    checked_in = organiser.locator('[data-role="0"] [data-count="checked_in"]')
    expect(checked_in).to_have_text("0")
    assert_accessible(organiser)

    page.goto(live_server + world["path"])
    page.context.set_offline(True)
    page.get_by_label("Check-in code").fill(world["grace"])
    page.get_by_role("button", name="Check in", exact=True).click()
    queue = page.locator("#checkin-queue")
    expect(queue).to_have_text("1 check-in waiting to be sent")
    stored = page.evaluate("JSON.stringify(Object.assign({}, window.localStorage))")
    assert "Grace" not in stored and world["grace"][:3] in stored  # codes and times only
    page.get_by_label("Name").fill("Gra")  # a name needs the server
    expect(page.locator("#search-results")).to_have_text(
        "Finding a name needs a connection: type the code instead."
    )

    page.context.set_offline(False)
    expect(queue).to_have_text("All check-ins are sent.")
    expect(page.locator("#checkin-result")).to_have_text("Checked in: Grace Hopper, Stewards.")
    expect(checked_in).to_have_text("1")  # the day view, without a reload
    organiser.context.close()


KEPT = "This page is kept on this phone: it opens without a connection too."
IS_KEPT = "path => caches.match(path).then(copy => !!copy)"


def test_the_check_in_page_reopens_offline_and_its_check_ins_are_sent_later(
    live_server, browser, page, world
):
    """The normal case on the day: opened once with a signal, reopened in the crowd without."""
    page.goto(live_server + world["path"])
    expect(page.get_by_text(KEPT)).to_be_visible()  # on the first visit already
    assert page.evaluate(IS_KEPT, world["path"])

    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="Check in volunteers")).to_be_visible()
    expect(page.locator("[data-offline-banner]")).to_have_text(
        "You are offline. Codes you enter are kept on this phone and sent when the connection "
        "is back."
    )
    page.get_by_label("Check-in code").fill(world["grace"])
    page.get_by_role("button", name="Check in", exact=True).click()
    queue = page.locator("#checkin-queue")
    expect(queue).to_have_text("1 check-in waiting to be sent")
    expect(page.get_by_label("Check-in code")).to_have_value("")  # ready for the next one
    expect(page.locator("#checkin-scan")).to_be_visible()  # the scanner's scripts came too
    shot(page, "offline-reopened")
    assert_accessible(page)

    organiser = browser.new_context(**PHONE).new_page()
    log_in(organiser, live_server, "owner@example.org", PASSWORD)
    organiser.goto(f"{live_server}/organise/events/{world['event_id']}/checkins")
    checked_in = organiser.locator('[data-role="0"] [data-count="checked_in"]')
    expect(checked_in).to_have_text("0")

    page.context.set_offline(False)
    expect(queue).to_have_text("All check-ins are sent.")
    expect(page.locator("#checkin-result")).to_have_text("Checked in: Grace Hopper, Stewards.")
    expect(page.locator("[data-offline-banner]")).to_be_hidden()
    expect(checked_in).to_have_text("1")
    organiser.context.close()


def test_a_kept_page_whose_session_ended_still_sends_its_queue(live_server, page, world):
    """The browser was closed in the crowd: the session cookie is gone, so the kept page's
    CSRF token is refused; the page fetches a fresh one and the queued check-in goes."""
    page.goto(live_server + world["path"])
    expect(page.get_by_text(KEPT)).to_be_visible()
    page.context.set_offline(True)
    page.reload()
    page.get_by_label("Check-in code").fill(world["ada"])
    page.get_by_role("button", name="Check in", exact=True).click()
    queue = page.locator("#checkin-queue")
    expect(queue).to_have_text("1 check-in waiting to be sent")
    page.context.clear_cookies()
    page.context.set_offline(False)
    expect(queue).to_have_text("All check-ins are sent.")
    expect(page.locator("#checkin-result")).to_have_text("Checked in: Ada Lovelace, Stewards.")


def test_the_phone_keeps_the_newest_five_check_in_pages_only(live_server, app, page, world):
    with app.app_context():
        event = db.session.get(Event, world["event_id"])
        links = [
            march.create_steward_link(db.session, event, label=f"Team {n}", now=utcnow())
            for n in range(5)
        ]
        paths = [world["path"]] + [f"/steward/{token}/checkin" for token in links]
        db.session.commit()
    for path in paths:
        page.goto(live_server + path)
        expect(page.get_by_text(KEPT)).to_be_visible()
    kept = page.evaluate("""() => caches.keys()
        .then(names => caches.open(names.find(name => name.endsWith('-checkin'))))
        .then(cache => cache.keys())
        .then(keys => keys.map(key => new URL(key.url).pathname))""")
    assert kept == paths[1:]


def test_a_revoked_link_stops_opening_offline_once_the_phone_was_online(
    live_server, app, page, world
):
    page.goto(live_server + world["path"])
    page.reload()  # now through the service worker, which keeps the fresh copy
    expect(page.get_by_text(KEPT)).to_be_visible()
    with app.app_context():
        token = world["path"].split("/")[2]
        link = march.steward_link(db.session, token, utcnow())
        event = db.session.get(Event, world["event_id"])
        assert march.revoke_steward_link(db.session, event, link.id, utcnow())
        db.session.commit()

    page.reload()
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.wait_for_function(f"() => ({IS_KEPT})({world['path']!r}).then(kept => !kept)")

    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(page.get_by_label("Check-in code")).to_have_count(0)
    page.context.set_offline(False)


def test_manage_page_shows_the_qr_code_and_the_code(live_server, page, world):
    page.goto(live_server + world["manage"])
    section = page.get_by_role("region", name="Your check-in code")
    expect(section.locator("svg")).to_be_visible()
    expect(section).to_contain_text(world["ada"])
    assert_accessible(page)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "manage", full_page=False)  # what the phone shows on opening the page


# --- the camera --------------------------------------------------------------------------


def qr_video(text: str, path: Path, width: int = 640, height: int = 480) -> Path:
    """A Y4M clip (4:2:0) of ``text``'s QR code, black on white in the middle of the frame:
    what Chromium's fake camera plays in a loop."""
    rows = list(segno.make_qr(text, error="m").matrix_iter(scale=10, border=4))
    top, left = (height - len(rows)) // 2, (width - len(rows[0])) // 2
    luma = bytearray([235]) * (width * height)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                luma[(top + y) * width + left + x] = 16
    chroma = bytes([128]) * (width * height // 4)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * 10)
    return path


@pytest.fixture
def camera_phone(browser, world, tmp_path):
    """A phone whose camera sees Ada's QR code (what her email and manage page show): a
    Chromium of its own, launched by the same Playwright as the shared one."""
    clip = qr_video(world["ada"].replace("-", ""), tmp_path / "qr.y4m")
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM_PATH,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ],
    )
    context = camera_browser.new_context(**PHONE, permissions=["camera"])
    context.set_default_timeout(10_000)
    yield context
    context.close()
    camera_browser.close()


def test_a_scanned_qr_code_checks_in(live_server, camera_phone, world):
    page = camera_phone.new_page()
    page.goto(live_server + world["path"])
    page.get_by_role("button", name="Scan a QR code").click()
    expect(page.locator("#checkin-result")).to_have_text(
        "Checked in: Ada Lovelace, Stewards.", timeout=15_000
    )
    expect(page.locator("#scan-video")).to_be_hidden()  # the camera is off again
    # Chromium on Linux has no BarcodeDetector: the vendored jsQR read the frames.
    assert page.evaluate("'BarcodeDetector' in window") is False


def test_the_day_view_is_in_the_on_the_day_menu(live_server, page, world):
    log_in(page, live_server, "owner@example.org", PASSWORD)
    page.goto(f"{live_server}/organise/events/{world['event_id']}/stewards")
    page.get_by_role("link", name="Check-in").click()
    expect(page.get_by_role("heading", name="Check-in")).to_be_visible()
    expect(page.get_by_role("link", name="On the day")).to_have_attribute("aria-current", "page")


def test_without_javascript_the_typed_code_is_a_plain_form(live_server, browser, world):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + world["path"])
    expect(page.get_by_role("button", name="Scan a QR code")).to_be_hidden()  # needs a script
    page.get_by_label("Check-in code").fill("nope")
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.locator("#code-error")).to_have_text(
        "A check-in code has 10 letters and digits, like K7Q-4MZ-X2PA."
    )
    expect(page.get_by_label("Check-in code")).to_have_value("nope")  # what was typed stays
    page.get_by_label("Check-in code").fill(world["grace"])
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.locator("#checkin-result")).to_have_text("Checked in: Grace Hopper, Stewards.")
    context.close()
