"""Styled error pages, CSRF rejection, security headers and the login rate limit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.extensions import db
from models import User


def test_every_response_carries_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_only_this_site_may_ask_for_the_position_and_nobody_for_camera_or_microphone(client):
    policy = {
        feature.strip().partition("=")[0]: feature.strip().partition("=")[2]
        for feature in client.get("/").headers["Permissions-Policy"].split(",")
    }
    assert policy == {
        "geolocation": "(self)",
        "camera": "()",
        "microphone": "()",
        "interest-cohort": "()",
    }


def test_session_cookie_is_httponly_and_lax(client):
    response = client.get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_missing_csrf_token_gives_styled_400(client, session):
    response = client.post(
        "/signup",
        data={
            "email": "a@example.org",
            "display_name": "A",
            "password": "x" * 12,
            "confirm": "x" * 12,
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Error 400" in html and "Reload the page" in html
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_wrong_csrf_token_gives_styled_400(client):
    client.get("/login")
    response = client.post(
        "/login", data={"email": "a@example.org", "password": "x", "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert "Error 400" in response.get_data(as_text=True)


def test_unknown_page_gives_styled_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"]


def test_wrong_method_gives_styled_405(client):
    response = client.post("/")
    assert response.status_code == 405
    assert "Not possible here" in response.get_data(as_text=True)


def test_too_large_body_gives_styled_413(client):
    response = client.post("/login", data={"email": "x" * (4 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)


@pytest.fixture
def app_settings():
    return {"PROPAGATE_EXCEPTIONS": False}


def test_crash_gives_styled_500_without_trace_and_rolls_back(app, client):
    def boom():
        db.session.add(User(email="half@example.org", display_name="x", password_hash="x"))
        db.session.flush()
        raise RuntimeError("secret internals")

    app.add_url_rule("/test-only/boom", view_func=boom)
    response = client.get("/test-only/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "secret internals" not in html and "Traceback" not in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_login_is_rate_limited_with_retry_after(app, client, organiser):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    token = client.csrf_token("/login")
    statuses = [
        client.post(
            "/login",
            data={"email": organiser[1], "password": "wrong password!", "csrf_token": token},
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    response = client.post(
        "/login", data={"email": organiser[1], "password": organiser[2], "csrf_token": token}
    )
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in response.get_data(as_text=True)


def test_private_links_stay_out_of_the_language_switcher_and_caches(client):
    response = client.get("/manage/" + "x" * 43)
    html = response.get_data(as_text=True)
    assert "x" * 43 not in html
    assert response.headers["Cache-Control"] == "no-store"
