"""Organisers sign up, log in and log out; bad input is answered next to the field."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import User
from routes.auth import LOGIN_FAILED
from tests.plugins.app import log_in

GOOD = {
    "email": "Anna@Example.org",
    "display_name": "Anna's group",
    "password": "twelve chars ok",
    "confirm": "twelve chars ok",
}


def user_count(session) -> int:
    return session.scalar(select(func.count()).select_from(User))


def test_signup_creates_account_with_hashed_password_and_logs_in(client, session):
    response = client.submit("/signup", GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard/"
    user = session.scalar(select(User))
    assert user.email == "anna@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert "twelve chars ok" not in user.password_hash
    assert "Hello, Anna&#39;s group" in client.get("/dashboard/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password": "short", "confirm": "short"}, "password", "Use at least 12 characters."),
        ({"email": "not-an-email"}, "email", "Enter an email address like name@example.org."),
        ({"display_name": "x" * 10_000}, "display_name", "Use at most 80 characters."),
        ({"confirm": "something else"}, "confirm", "The two passwords differ."),
    ],
)
def test_bad_signup_explains_next_to_field_and_keeps_input(client, session, change, field, message):
    data = {**GOOD, **change}
    response = client.submit("/signup", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    if field != "email":
        assert 'value="Anna@Example.org"' in html  # what the user typed is kept
    assert "twelve chars ok" not in html  # but never a password
    assert user_count(session) == 0


def test_signup_with_taken_email_is_refused_without_second_account(client, session, organiser):
    response = client.submit("/signup", {**GOOD, "email": "ORG@example.org"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "An account with this email already exists." in html
    assert user_count(session) == 1


def test_login_failure_says_the_same_for_unknown_email_and_wrong_password(client, organiser):
    unknown = log_in(client, "nobody@example.org", organiser[2])
    wrong = log_in(client, organiser[1], "wrong password!!")
    for response in (unknown, wrong):
        assert response.status_code == 422
        assert LOGIN_FAILED in response.get_data(as_text=True)
    assert unknown.get_data(as_text=True).count(LOGIN_FAILED) == 1
    assert client.get("/dashboard/").status_code == 302


def test_login_renews_session_and_logout_ends_it(client, organiser):
    client.get("/login")
    before = client.get_cookie("session").value
    response = log_in(client, organiser[1], organiser[2])
    assert response.status_code == 302
    after = client.get_cookie("session").value
    assert after != before
    assert client.get("/dashboard/").status_code == 200
    client.submit("/logout", form_page="/dashboard/")
    assert client.get("/dashboard/").status_code == 302


def test_remember_me_sets_long_lived_cookie(client, organiser):
    client.submit("/login", {"email": organiser[1], "password": organiser[2], "remember": "y"})
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only


def test_logout_forgets_the_device_so_a_browser_restart_stays_logged_out(client, organiser):
    client.submit("/login", {"email": organiser[1], "password": organiser[2], "remember": "y"})
    assert client.get_cookie("remember_token") is not None

    response = client.submit("/logout", form_page="/dashboard/")

    assert "remember_token=;" in " ".join(response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")  # what a browser restart does to a session cookie
    assert client.get("/dashboard/").status_code == 302


def test_login_redirects_only_to_local_next(client, organiser):
    token = client.csrf_token("/login")
    data = {"email": organiser[1], "password": organiser[2], "csrf_token": token}
    response = client.post("/login?next=//evil.example/x", data=data)
    assert response.headers["Location"] == "/dashboard/"


def test_dashboard_needs_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
