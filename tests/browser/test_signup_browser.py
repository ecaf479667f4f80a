"""A newcomer signs up on a phone, finishes from the emailed link, logs out and in again; a
logout after "keep me logged in" stays logged out."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.plugins.browser import last_mail_to


def _emailed_link(app, email: str) -> str:
    """The confirmation link in the newcomer's email."""
    body = last_mail_to(app, email)
    return re.search(r"https?://[^/\s]+(/account/verify/\S+)", body).group(1)


def test_newcomer_signs_up_from_the_emailed_link_logs_out_and_logs_in_on_phone(
    app, live_server, page
):
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Organise a demonstration").click()
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Your name as participants see it").fill("Kiez Solidarity")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox to finish")).to_be_visible()

    page.goto(live_server + _emailed_link(app, "newcomer@example.org"))
    expect(page.get_by_label("Your name as participants see it")).to_have_value("Kiez Solidarity")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Password again").fill("a long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Hello, Kiez Solidarity")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Password").fill("a long enough password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello, Kiez Solidarity")).to_be_visible()
    assert page.url.endswith("/dashboard/")


def test_logout_after_remember_me_stays_logged_out(live_server, phone, organiser):
    page = phone.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(organiser[1])
    page.get_by_label("Password").fill(organiser[2])
    page.get_by_label("Keep me logged in on this device").check()
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello, Berlin Org")).to_be_visible()
    assert "remember_token" in {c["name"] for c in phone.cookies()}

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    assert "remember_token" not in {c["name"] for c in phone.cookies()}

    page.goto(f"{live_server}/dashboard/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    # And after a browser restart, which drops the session cookie: still logged out.
    phone.clear_cookies(name="session")
    page.goto(f"{live_server}/dashboard/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert "/login" in page.url


def test_pages_fit_a_320px_screen_with_large_touch_targets(live_server, browser):
    context = browser.new_context(
        viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{live_server}/signup")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320
    small = page.evaluate(
        """() => [...document.querySelectorAll('a, button, input, select, textarea')]
              .filter(e => e.offsetParent !== null && !e.closest('p'))
              .map(e => e.getBoundingClientRect())
              .filter(r => r.height < 44).length"""
    )
    assert small == 0
    context.close()


def test_signup_form_and_its_errors_are_accessible(live_server, page):
    from tests.a11y import assert_accessible

    page.goto(f"{live_server}/signup")
    assert_accessible(page)
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Enter your email address.").wait_for()
    assert_accessible(page)
