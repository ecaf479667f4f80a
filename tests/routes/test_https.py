"""Behind nginx over https, forms work as a browser sends them, and CSRF stays strict.

We chose ``Referrer-Policy: same-origin`` and kept Flask-WTF's strict referrer check: a
browser then sends the page's address with every POST to our own site (so the check passes)
and to no other site (so a manage link's token never leaves it). A POST over https with no
Referer, or one from another site, is refused, with the page that says what to do.
"""

from __future__ import annotations

import pytest

from tests.plugins.app import CSRF_INPUT

SITE = "https://demo.rallypoint.example"
PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


@pytest.fixture
def app_settings() -> dict:
    return {
        "BASE_URL": SITE,
        "TRUSTED_PROXIES": 1,
        "SESSION_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_SECURE": True,
    }


def login_form(client) -> tuple[str, dict]:
    """The login page as nginx forwards it: its CSRF token and the headers of the proxy."""
    page = client.get("/login", base_url="http://demo.rallypoint.example", headers=PROXIED)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    match = CSRF_INPUT.search(page.get_data(as_text=True))
    return match.group(1) or match.group(2), PROXIED


def post_login(client, organiser, headers: dict):
    token, proxied = login_form(client)
    return client.post(
        "/login",
        base_url="http://demo.rallypoint.example",
        headers={**proxied, **headers},
        data={"email": organiser[1], "password": organiser[2], "csrf_token": token},
    )


def test_login_over_https_with_the_browsers_same_origin_referer_succeeds(client, organiser):
    response = post_login(client, organiser, {"Referer": f"{SITE}/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/"
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_post_over_https_without_referer_is_refused_with_a_clear_page(client, organiser):
    response = post_login(client, organiser, {})
    assert response.status_code == 400
    assert "This form has expired or was not sent from this site." in response.get_data(
        as_text=True
    )


def test_post_over_https_from_another_site_is_refused(client, organiser):
    response = post_login(client, organiser, {"Referer": "https://evil.example/login"})
    assert response.status_code == 400
