"""A live server and a phone-sized Chromium (Playwright), and what browser tests share: a
log-in through the form, and the manage link a participant was emailed."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from core.extensions import db
from models import OutboxMessage

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0 Mobile Safari/537.36"
    ),
}
MANAGE_LINK = re.compile(r"https?://[^/\s]+(/manage/[A-Za-z0-9_-]{43})")


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM_PATH):
        message = (
            f"Chromium not found at {CHROMIUM_PATH}: apt-get install chromium or set CHROMIUM_PATH"
        )
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A new phone-sized browser context (390×844, touch); pages come from ``phone.new_page()``."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(phone):
    return phone.new_page()


CACHED = """path => caches.keys()
    .then(keys => Promise.all(keys.map(k => caches.open(k).then(c => c.keys()))))
    .then(all => all.flat().some(r => new URL(r.url).pathname === path))"""


def wait_until_cached(page, path: str) -> None:
    """Wait until the service worker's caches hold ``path`` (e.g. "/offline")."""
    page.wait_for_function(CACHED, arg=path)


def open_kept_offline(page, url: str, path: str) -> None:
    """Open ``url`` and wait until the service worker controls the page and has kept ``path``
    (a visit under its control is what stores a page for later)."""
    page.goto(url)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    wait_until_cached(page, path)


def log_in(page, live_server: str, email: str, password: str) -> None:
    """Log the ``organiser`` fixture's account in through the form, as a user does."""
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello, Berlin Org")).to_be_visible()


def last_mail_to(app, email: str, kind: str | None = None) -> str:
    """The text of the newest email to ``email`` (of ``kind``), read from the outbox: no mail
    server needed."""
    query = select(OutboxMessage.body_text).where(OutboxMessage.to_addr == email)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    with app.app_context():
        return db.session.scalars(query.order_by(OutboxMessage.id.desc())).first()


def confirm_path(app, email: str) -> str:
    """The confirm link in the newest "confirm your RSVP" email to ``email``."""
    body = last_mail_to(app, email, "rsvp_confirm")
    return re.search(r"/confirm/[A-Za-z0-9_-]{43}", body).group(0)


def manage_path(app, email: str) -> str:
    """The link in the participant's email."""
    body = last_mail_to(app, email)
    return MANAGE_LINK.search(body).group(1)
