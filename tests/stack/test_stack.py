"""The deployed site, end to end over https: an organiser on a desktop and participants on
phones, through nginx's cache and rate limits by client address, with a web worker killed in
the middle of an RSVP and Redis stopped. The stack itself is in harness.py and conftest.py."""

from __future__ import annotations

import http.client
import os
import re
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import brotli
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from tests.stack.harness import (
    FEED_MAX_AGE,
    LIVE_POLL_SECONDS,
    PAGE_MAX_AGE,
    RSVP_RATE_LIMIT,
    process_with_local_port,
)

pytestmark = pytest.mark.stack

CONFIRM_LINK = re.compile(r"https://\S+/confirm/[A-Za-z0-9_-]{43}")


MANAGE_LINK = re.compile(r"https://\S+/manage/[A-Za-z0-9_-]{43}")
VERIFY_LINK = re.compile(r"https://\S+/account/verify/\S+")
MANAGE_TOKEN = re.compile(r"/manage/[A-Za-z0-9_-]{20,}")
# Three points, the first and last named: 1.1 km through Berlin's centre.
ROUTE = """52.5096, 13.3762, Potsdamer Platz
52.5128, 13.3826
52.5163, 13.3777, Brandenburger Tor
"""


@dataclass
class Organiser:
    email: str
    password: str
    name: str
    page: Page  # a desktop browser, logged in with "Keep me logged in"


@dataclass
class PublishedEvent:
    id: int
    slug: str
    title: str

    @property
    def path(self) -> str:
        return f"/e/{self.slug}"


def log_in(page: Page, who: Organiser, *, remember: bool) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(who.email)
    page.get_by_label("Password").fill(who.password)
    if remember:
        page.get_by_label("Keep me logged in on this device").check()
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Hello, {who.name}")).to_be_visible()


def after_restart(context) -> dict:
    """The context's cookies and storage as a browser restart leaves them: the session
    cookies (those without an expiry) are gone, the persistent ones stay."""
    state = context.storage_state()
    state["cookies"] = [c for c in state["cookies"] if c["expires"] > 0]
    return state


def rsvp_form(token: str, email: str) -> dict:
    return {
        "csrf_token": token,
        "email": email,
        "name": "",
        "party_size": "1",
        "role_id": "0",
        "wants_reminders": "y",
    }


@pytest.fixture(scope="module")
def organiser(stack, open_context) -> Organiser:
    """Signs up on a desktop, finishes from the emailed link, logs out, and logs in again
    with "Keep me logged in"."""
    who = Organiser(
        email=f"org-{uuid.uuid4().hex[:8]}@example.org",
        password="a long enough password",
        name="Kiez Solidarity",
        page=open_context("desktop").new_page(),
    )
    page = who.page
    page.goto("/")
    page.get_by_role("link", name="Organise a demonstration").click()
    page.get_by_label("Email").fill(who.email)
    page.get_by_label("Your name as participants see it").fill(who.name)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox to finish")).to_be_visible()
    stack.wait_until(
        lambda: stack.mail_to(who.email), timeout=30, what="the sign-up link to be sent"
    )
    [message] = stack.mail_to(who.email)
    link = VERIFY_LINK.search(message.get_body(("plain",)).get_content())
    page.goto(link.group(0))
    page.get_by_label("Password", exact=True).fill(who.password)
    page.get_by_label("Password again").fill(who.password)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name=f"Hello, {who.name}")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    log_in(page, who, remember=True)
    return who


@pytest.fixture(scope="module")
def event(organiser) -> PublishedEvent:
    """The organiser creates a march a week from now, types its route, publishes it."""
    page = organiser.page
    title = f"March past the stack {uuid.uuid4().hex[:6]}"
    starts = (datetime.now() + timedelta(days=7)).replace(hour=13, minute=0)
    page.goto("/dashboard/")
    page.get_by_role("link", name="Create a demonstration").click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Starts", exact=True).fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends", exact=True).fill(
        (starts + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("City", exact=True).fill("Berlin")
    page.get_by_role("button", name="Create draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    event_id = int(re.search(r"/organise/events/(\d+)", page.url).group(1))

    page.get_by_role("link", name="Route", exact=True).click()
    page.locator("#points_text").fill(ROUTE)
    page.get_by_role("button", name="Save route").click()
    expect(page.get_by_text("Route saved: 1.1 km, 2 waypoints.")).to_be_visible()

    page.get_by_role("link", name="Overview").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published.")).to_be_visible()
    page.get_by_role("link", name="Public page").first.click()
    slug = re.search(r"/e/([^/?#]+)$", page.url).group(1)
    return PublishedEvent(id=event_id, slug=slug, title=title)


# --- the deploy files --------------------------------------------------------------------------


def test_env_example_names_every_setting_the_app_and_gunicorn_read():
    root = Path(__file__).resolve().parents[2]
    sources = (root / "core/config.py").read_text() + (root / "deploy/gunicorn.conf.py").read_text()
    read = set(re.findall(r'(?:environ\.get|_int|_float|_bool)\(\s*"([A-Z][A-Z0-9_]+)"', sources))
    example = (root / "deploy/env.example").read_text()
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    assert read <= listed, sorted(read - listed)
    assert listed <= read, sorted(listed - read)  # nothing that no code reads


# --- nginx in front ----------------------------------------------------------------------------


def test_http_redirects_to_https_and_static_files_come_from_nginx(stack):
    conn = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    conn.request("GET", "/e/some-march?ref=1")
    reply = conn.getresponse()
    assert reply.status == 301
    assert reply.getheader("Location") == f"{stack.base_url}/e/some-march?ref=1"

    client = stack.client()
    # The app puts a Content-Security-Policy on all it answers: these never reached it.
    css = client.get("/static/css/app.css")
    assert css.status == 200 and "Content-Security-Policy" not in css.headers
    assert css.headers["Cache-Control"] == "public, max-age=3600"  # unversioned URLs
    leaflet = client.get("/static/vendor/leaflet/leaflet.js?v=1.9.3")
    assert leaflet.status == 200 and "Content-Security-Policy" not in leaflet.headers
    assert leaflet.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    image = client.get("/static/vendor/leaflet/images/marker-icon.png")
    assert image.headers["Cache-Control"] == "public, max-age=31536000"  # named without ?v=
    manifest = client.get("/static/manifest.webmanifest")
    assert manifest.headers["Content-Type"] == "application/manifest+json"

    # Everything else is the app's, over https (HSTS says so).
    health = client.get("/healthz")
    assert health.status == 200 and health.headers["Strict-Transport-Security"]


# --- the organiser and the participant ---------------------------------------------------------


def test_signup_and_login_over_https_set_secure_cookies(organiser):
    cookies = {c["name"]: c for c in organiser.page.context.cookies()}
    for name in ("session", "remember_token"):
        assert cookies[name]["secure"] and cookies[name]["httpOnly"], cookies[name]
    assert cookies["remember_token"]["expires"] > time.time() + 29 * 24 * 3600
    expect(organiser.page.get_by_role("button", name="Log out")).to_be_visible()


def test_published_event_shows_its_route_on_a_phone(event, open_context):
    page = open_context("phone").new_page()
    response = page.goto(event.path)
    assert response.status == 200
    expect(page.get_by_role("heading", name=event.title)).to_be_visible()
    line = page.locator("path.route-line")
    expect(line).to_have_count(1)
    assert len(re.findall(r"[ML]", line.get_attribute("d"))) == 3
    expect(page.locator(".waypoint-marker")).to_have_count(2)
    expect(page.locator("ol.waypoints li").first).to_contain_text("Potsdamer Platz")


def test_participant_rsvps_gets_the_email_changes_and_cancels(stack, event, open_context):
    email = "kim.phone@example.org"
    page = open_context("phone").new_page()
    page.goto(event.path)
    page.get_by_role("link", name="RSVP").click()
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_label("Your name (optional)").fill("Kim")
    page.get_by_label("Number of people, you included").fill("2")
    page.get_by_role("button", name="RSVP").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    # Two workers share the outbox; the link to confirm is sent once, by one of them.
    stack.wait_until(
        lambda: (
            stack.scalar(
                "SELECT status FROM outbox WHERE to_addr = :a AND kind = 'rsvp_confirm'", a=email
            )
            == "sent"
        ),
        timeout=30,
        what="the link to confirm to be sent",
    )
    [message] = stack.mail_to(email)
    body = message.get_body(("plain",)).get_content()
    link = CONFIRM_LINK.search(body)
    assert link and link.group(0).startswith(f"{stack.base_url}/confirm/"), body

    page.goto(link.group(0))
    page.get_by_role("button", name="Confirm my RSVP").click()
    expect(page.get_by_text("You are confirmed, 2 people")).to_be_visible()
    page.get_by_label("Number of people, you included").fill("3")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your RSVP is updated.")).to_be_visible()
    expect(page.get_by_text("You are confirmed, 3 people")).to_be_visible()
    page.get_by_role("link", name="Cancel my RSVP").click()
    page.get_by_role("button", name="Yes, cancel my RSVP").click()
    expect(page.get_by_text("This RSVP is cancelled.")).to_be_visible()
    assert stack.scalar("SELECT status FROM rsvps WHERE email = :e", e=email) == "cancelled"


def test_logout_after_remember_me_stays_logged_out_after_a_browser_restart(organiser, open_context):
    context = open_context("desktop")
    page = context.new_page()
    log_in(page, organiser, remember=True)

    # What a restart does, before logging out: remember-me logs the organiser back in.
    restarted = open_context("desktop", storage_state=after_restart(context)).new_page()
    restarted.goto("/dashboard/")
    expect(restarted.get_by_role("heading", name=f"Hello, {organiser.name}")).to_be_visible()
    restarted.context.close()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    state = after_restart(context)
    context.close()
    assert "remember_token" not in {c["name"] for c in state["cookies"]}, state["cookies"]

    again = open_context("desktop", storage_state=state).new_page()
    again.goto("/dashboard/")
    expect(again.get_by_role("heading", name="Log in")).to_be_visible()
    assert "/login" in again.url

    # Logging out ends every session of the account, so the organiser's own browser is
    # logged out too; it logs in again for the tests after this one.
    organiser.page.goto("/dashboard/")
    expect(organiser.page.get_by_role("heading", name="Log in")).to_be_visible()
    log_in(organiser.page, organiser, remember=True)


# --- the cache ---------------------------------------------------------------------------------


def test_event_page_comes_from_nginx_cache_and_shows_an_update_within_its_max_age(
    stack, organiser, event, open_context
):
    open_context("phone").new_page().goto(event.path)
    phone = open_context("phone").new_page()  # another phone of the same kind
    response = phone.goto(event.path)
    assert response.headers["x-cache-status"] == "HIT"
    assert response.headers["cache-control"] == f"public, max-age={PAGE_MAX_AGE}"
    assert "set-cookie" not in response.headers
    # Logged in, the organiser always gets the app's own page, never a shared copy.
    assert organiser.page.goto(event.path).headers["x-cache-status"] == "BYPASS"
    # The live feed and the calendar file are shared too.
    client = stack.client()
    for path in (f"{event.path}/live.json", f"{event.path}.ics"):
        client.get(path)
        assert client.get(path).headers["X-Cache-Status"] == "HIT", path

    message = f"Bring water: we leave at half past one, group {uuid.uuid4().hex[:6]}."
    organiser.page.goto(f"/organise/events/{event.id}/updates")
    organiser.page.get_by_label("Message to participants").fill(message)
    organiser.page.get_by_role("button", name="Send the update").click()
    expect(organiser.page.get_by_text("Your update is on its way")).to_be_visible()

    # The phone with the page open polls the feed (nginx keeps it FEED_MAX_AGE seconds): the
    # update joins "Changes and updates" (and the banner at the top says it too).
    expect(phone.locator("[data-live-list]").get_by_text(message)).to_be_visible(
        timeout=(FEED_MAX_AGE + LIVE_POLL_SECONDS + 10) * 1000
    )

    # A phone opening the page now may still get the cached copy, but not past its max-age.
    answers = []

    def new_phone_sees_it() -> bool:
        context = open_context("phone")
        try:
            reply = context.new_page().goto(event.path)
            answers.append(reply.headers.get("x-cache-status"))
            return message in reply.text()
        finally:
            context.close()

    try:
        stack.wait_until(
            new_phone_sees_it,
            timeout=PAGE_MAX_AGE + 15,
            interval=1,
            what="a newly opened page to show the update",
        )
    except AssertionError as err:
        raise AssertionError(f"{err}; X-Cache-Status of each try: {answers}") from None


# --- streams -----------------------------------------------------------------------------------


def test_csv_export_comes_compressed_and_streamed_through_nginx(stack, organiser, event):
    """The organiser's export arrives brotli-compressed in chunks (no Content-Length: nothing
    on the way held the whole file back), and decodes to the same list as uncompressed."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in organiser.page.context.cookies())

    def export(accept: str) -> tuple[http.client.HTTPResponse, bytes]:
        conn = http.client.HTTPSConnection(
            "127.0.0.1", stack.https_port, context=stack.tls, timeout=60
        )
        try:
            conn.request(
                "GET",
                f"/organise/events/{event.id}/attendees.csv",
                headers={"Cookie": cookies, "Accept-Encoding": accept},
            )
            response = conn.getresponse()
            return response, response.read()
        finally:
            conn.close()

    compressed, data = export("br, gzip")
    assert compressed.status == 200
    assert compressed.getheader("Content-Encoding") == "br"
    assert compressed.getheader("Content-Length") is None
    assert compressed.getheader("Transfer-Encoding") == "chunked"
    plain, text = export("identity")
    assert plain.getheader("Content-Encoding") is None
    assert brotli.decompress(data) == text and text.startswith(b"Name,Email,People,")


# --- rate limits -------------------------------------------------------------------------------


def test_rsvp_rate_limit_counts_each_client_address_and_ignores_forwarded_for(stack, event):
    path = f"{event.path}/rsvp"
    a, b = stack.client("127.0.0.2"), stack.client("127.0.0.3")
    token = a.form_token(path)
    for n in range(RSVP_RATE_LIMIT):
        assert a.post_form(path, rsvp_form(token, f"a{n}@example.org")).status == 200
    assert a.post_form(path, rsvp_form(token, "a-over@example.org")).status == 429
    # nginx replaces a made-up X-Forwarded-For with the real address: no fresh limit.
    spoofed = a.post_form(
        path, rsvp_form(token, "a-spoofed@example.org"), headers={"X-Forwarded-For": "203.0.113.7"}
    )
    assert spoofed.status == 429
    # Another address has a limit of its own.
    token = b.form_token(path)
    assert b.post_form(path, rsvp_form(token, "b0@example.org")).status == 200


# --- faults ------------------------------------------------------------------------------------


def test_web_worker_killed_in_the_middle_of_an_rsvp_leaves_nothing_and_the_retry_works(
    stack, event
):
    email = "sam.retry@example.org"
    path = f"{event.path}/rsvp"
    phone = stack.client("127.0.0.4")
    token = phone.form_token(path)
    workers = stack.web_workers()
    answer = {}

    with stack.db.connect() as blocker:
        # Hold the outbox: the RSVP's transaction writes its row, then waits to queue its
        # confirmation, and that is when its worker dies.
        blocker.execute(text("SET lock_timeout = '10s'"))
        blocker.execute(text("LOCK TABLE outbox IN EXCLUSIVE MODE"))
        post = threading.Thread(
            target=lambda: answer.update(reply=phone.post_form(path, rsvp_form(token, email)))
        )
        post.start()
        backend = stack.wait_until(
            lambda: stack.row(
                "SELECT pid, client_port FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO outbox%'"
            ),
            timeout=15,
            what="the RSVP to wait on the outbox",
        )
        wrote_rsvp = stack.scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE l.pid = :pid AND c.relname = 'rsvps' AND l.mode = 'RowExclusiveLock'",
            pid=backend.pid,
        )
        assert wrote_rsvp, "the RSVP's transaction had not written to rsvps yet"
        worker = process_with_local_port(workers, backend.client_port)
        assert worker is not None, f"no web worker holds port {backend.client_port}"
        os.kill(worker, signal.SIGKILL)
        blocker.rollback()  # let the orphaned transaction run into its dead client

    post.join(30)
    assert answer["reply"].status == 502  # nginx: the app closed the connection
    stack.wait_until(
        lambda: (
            not stack.scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = :p", p=backend.pid)
        ),
        timeout=15,
        what="PostgreSQL to end the dead worker's session",
    )
    assert stack.scalar("SELECT count(*) FROM rsvps WHERE email = :e", e=email) == 0
    assert stack.scalar("SELECT count(*) FROM outbox WHERE to_addr = :e", e=email) == 0

    # gunicorn has replaced the worker; the participant taps RSVP again.
    stack.wait_until(
        lambda: len(stack.web_workers() - {worker}) == 2,
        timeout=30,
        what="gunicorn to start a new worker",
    )
    retry = phone.post_form(path, rsvp_form(token, email))
    assert retry.status == 200 and "Check your inbox" in retry.text
    assert stack.scalar("SELECT count(*) FROM rsvps WHERE email = :e", e=email) == 1
    stack.wait_until(lambda: stack.mail_to(email), timeout=30, what="the confirmation")


def test_rate_limited_routes_keep_serving_while_redis_is_down(stack, event):
    # Flask-Limiter falls back to each process's own memory while its storage is down.
    path = f"{event.path}/rsvp"
    phone = stack.client("127.0.0.5")
    token = phone.form_token(path)
    login_token = phone.form_token("/login")
    stack.stop_redis()
    try:
        reply = phone.post_form(path, rsvp_form(token, "robin.noredis@example.org"))
        assert reply.status == 200 and "Check your inbox" in reply.text, reply.status
        login = phone.post_form(
            "/login",
            {"csrf_token": login_token, "email": "nobody@example.org", "password": "wrong"},
        )
        assert login.status == 422, login.status
        assert phone.get(event.path).status == 200
    finally:
        stack.start_redis()


# --- what the servers wrote down ---------------------------------------------------------------


def test_logs_name_no_client_address_user_agent_or_private_path(stack):
    access = stack.access_log.read_text()
    lines = access.splitlines()
    assert len(lines) > 20
    for line in lines:
        assert re.fullmatch(r"\S+ [A-Z]+ \d{3} \d+ \d+\.\d{3} (?:-|[A-Z]+)", line), line
    for secret in ("127.0.0.", "::1", "/manage/", "/e/", "Mozilla", "Chrome", "@example.org"):
        assert secret not in access, secret

    # gunicorn's lines name the path, with its token cut by the app's log filter.
    gunicorn = stack.processes.log("gunicorn")
    assert re.search(r'"GET /manage/\[token\] HTTP/1\.[01]" 200 ', gunicorn), "no access lines"
    assert not MANAGE_TOKEN.search(gunicorn)
    # The test clients' own addresses (the server's, 127.0.0.1, is in the start-up lines).
    for secret in ("127.0.0.2", "127.0.0.4", "Mozilla", "@example.org"):
        assert secret not in gunicorn, secret
