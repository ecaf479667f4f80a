"""Organisers sign up with a proved address, log in and log out, and reset a password; bad
input is answered next to the field, and no answer reveals whether an address has an account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import Event, OutboxMessage, User
from routes.auth import LOGIN_FAILED
from services import accounts
from services.accounts import signup as signups
from tests.factories import NOW
from tests.plugins.app import log_in

GOOD = {"email": "Anna@Example.org", "display_name": "Anna's group"}
PASSWORDS = {"password": "twelve chars ok", "confirm": "twelve chars ok"}
LINK = re.compile(r"https?://[^/\s]+(/account/verify/[A-Za-z0-9_.\-]+)")


def user_count(session) -> int:
    return session.scalar(select(func.count()).select_from(User))


def outbox(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def verify_link(session, to_addr: str) -> str:
    body = session.scalars(
        select(OutboxMessage.body_text)
        .where(OutboxMessage.to_addr == to_addr)
        .order_by(OutboxMessage.id.desc())
    ).first()
    return LINK.search(body).group(1)


def test_signup_emails_a_link_and_the_account_exists_only_once_it_is_used(client, session):
    response = client.submit("/signup", GOOD)
    assert response.status_code == 303 and response.headers["Location"] == "/signup/sent"
    assert "Check your inbox to finish" in client.get("/signup/sent").get_data(as_text=True)
    assert user_count(session) == 0  # nobody holds an account for an unproved address
    link = verify_link(session, "anna@example.org")

    page = client.get(link)
    assert page.status_code == 200 and 'value="Anna&#39;s group"' in page.get_data(as_text=True)
    assert user_count(session) == 0  # a mail scanner opening the link makes nothing
    response = client.submit(link, {"display_name": "Anna's group", **PASSWORDS})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/"
    user = session.scalar(select(User))
    assert user.email == "anna@example.org" and user.is_verified
    assert user.password_hash.startswith("$argon2id$")
    assert "twelve chars ok" not in user.password_hash
    assert "Hello, Anna&#39;s group" in client.get("/dashboard/").get_data(as_text=True)
    assert client.get(link).status_code == 404  # it worked once


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter an email address like name@example.org."),
        ({"display_name": "x" * 10_000}, "display_name", "Use at most 80 characters."),
    ],
)
def test_bad_signup_explains_next_to_field_and_keeps_input(client, session, change, field, message):
    response = client.submit("/signup", {**GOOD, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    if field != "email":
        assert 'value="Anna@Example.org"' in html  # what the user typed is kept
    assert user_count(session) == 0 and outbox(session) == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"password": "short", "confirm": "short"}, "password", "Use at least 12 characters."),
        ({"confirm": "something else"}, "confirm", "The two passwords differ."),
    ],
)
def test_bad_password_on_the_link_page_is_explained_next_to_it(
    client, session, change, field, message
):
    client.submit("/signup", GOOD)
    link = verify_link(session, "anna@example.org")
    response = client.submit(link, {**GOOD, **PASSWORDS, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert "twelve chars ok" not in html  # never a password
    assert user_count(session) == 0


def _signup_answer(client, session, email: str):
    before = len(outbox(session))
    response = client.submit("/signup", {**GOOD, "email": email})
    rows = outbox(session)[before:]
    return (response.status_code, response.headers["Location"], response.get_data()), rows


def test_signup_answers_a_taken_address_like_a_new_one_and_mails_its_owner(app, session, organiser):
    known, known_rows = _signup_answer(app.test_client(), session, "ORG@example.org")
    new, new_rows = _signup_answer(app.test_client(), session, "fresh@example.org")

    assert known == new  # same status, same redirect, same body
    assert len(known_rows) == len(new_rows) == 1  # the same writes
    assert known_rows[0].to_addr == "org@example.org"
    assert "already has an account" in known_rows[0].body_text
    assert "/account/verify/" not in known_rows[0].body_text
    assert "/account/verify/" in new_rows[0].body_text
    assert user_count(session) == 1
    # And trying the password one typed tells nothing: sign-up took no password.
    assert "password" not in GOOD


def test_reset_answers_the_same_for_a_known_and_an_unknown_address(app, session, organiser):
    answers, writes = [], []
    for email in (organiser[1], "nobody@example.org"):
        client = app.test_client()
        before = len(outbox(session))
        response = client.submit("/reset", {"email": email})
        answers.append((response.status_code, response.headers["Location"], response.get_data()))
        writes.append(outbox(session)[before:])
        page = client.get("/login").get_data(as_text=True)
        assert "If an account exists for that address" in page
    assert answers[0] == answers[1]
    assert [len(w) for w in writes] == [1, 1]
    assert "/reset/" in writes[0][0].body_text
    assert "no account uses this address" in writes[1][0].body_text


@pytest.mark.parametrize("app_settings", [{"ACCOUNT_EMAIL_RATE_LIMIT": "2 per hour"}])
def test_reset_is_limited_per_address_whatever_the_client(client, session, organiser):
    def ask(email: str, n: int):
        return client.submit(
            "/reset", {"email": email}, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}
        )

    assert [ask("Org@Example.org", 1).status_code, ask("org@example.org", 2).status_code] == [
        302,
        302,
    ]
    assert ask("ORG@example.org", 3).status_code == 429  # a third client, the same address
    assert ask("other@example.org", 4).status_code == 302  # another address is not held up
    assert len(outbox(session)) == 3


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


def test_a_remember_me_cookie_copied_before_logout_stops_working_after_it(app, client, organiser):
    client.submit("/login", {"email": organiser[1], "password": organiser[2], "remember": "y"})
    copied = client.get_cookie("remember_token").value
    client.submit("/logout", form_page="/dashboard/")

    thief = app.test_client()
    thief.set_cookie("remember_token", copied)
    assert thief.get("/dashboard/").status_code == 302  # to the log-in page


def test_an_unverified_account_logs_in_but_organises_nothing_until_it_verifies(
    app, client, session
):
    # An account from before verification existed: it has a password, not a proved address.
    accounts.create_user(
        session, email="old@example.org", display_name="Old", password="a long old password"
    )
    session.commit()
    assert log_in(client, "old@example.org", "a long old password").status_code == 302
    for path in ("/dashboard/", "/organise/events/new"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"] == "/account/verify"
    page = client.get("/account/verify").get_data(as_text=True)
    assert "Confirm your email address to organise" in page
    response = client.submit("/organise/events/new", {"title": "Mine"}, form_page="/account/verify")
    assert response.status_code == 303 and session.scalar(select(func.count(Event.id))) == 0

    assert client.submit("/account/verify/send", form_page="/account/verify").status_code == 303
    link = verify_link(session, "old@example.org")
    assert client.submit(link, {}).headers["Location"] == "/dashboard/"
    assert client.get("/organise/events/new").status_code == 200


@pytest.mark.parametrize("app_settings", [{"ACCOUNT_EMAIL_RATE_LIMIT": "2 per hour"}])
def test_send_again_is_rate_limited(client, session):
    accounts.create_user(
        session, email="old@example.org", display_name="Old", password="a long old password"
    )
    session.commit()
    log_in(client, "old@example.org", "a long old password")
    statuses = [
        client.submit("/account/verify/send", form_page="/account/verify").status_code
        for _ in range(3)
    ]
    assert statuses == [303, 303, 429]
    assert len(outbox(session)) == 2


def test_a_verification_link_expires_after_two_days(app, session):
    with app.test_request_context():
        signups.request_signup(session, email="late@example.org", display_name="Late", now=NOW)
        token = verify_link(session, "late@example.org").rsplit("/", 1)[1]
        assert signups.verification(session, token, NOW + timedelta(hours=47)) is not None
        assert signups.verification(session, token, NOW + timedelta(hours=49)) is None
        assert signups.verification(session, token + "x", NOW) is None
