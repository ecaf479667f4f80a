"""The app on the test database, its test client, a session for arranging and checking data,
and a saved organiser. ``make_test_app`` and ``log_in`` are for tests that need an app or a
log-in of their own."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from core.database import sqlite_deferred
from core.extensions import db
from tests.factories import PASSWORD, make_user
from tests.plugins.push import TEST_VAPID_KEY

CSRF_INPUT = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


class Client(FlaskClient):
    """The test client, plus the one thing a browser does for free: send the form's token.

    Around each request it ends the test's own transaction (see the ``session`` fixture), so
    the request sees what the test arranged and the test then sees what the request did.
    """

    def open(self, *args, **kwargs):
        test_session = self.application.extensions.get("test_session")
        if test_session is not None:
            test_session.commit()
        try:
            # A fresh app context per request, as under a real server: otherwise Flask reuses
            # an app context the test pushed, with its ``g`` (and the logged-in user in it).
            with self.application.app_context():
                return super().open(*args, **kwargs)
        finally:
            if test_session is not None:
                test_session.expire_all()

    def csrf_token(self, path: str) -> str:
        match = CSRF_INPUT.search(self.get(path).get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1) or match.group(2)

    def submit(self, path: str, data: dict | None = None, *, form_page: str | None = None, **kw):
        """POST ``data`` to ``path`` with the CSRF token of the form shown at ``form_page``."""
        token = self.csrf_token(form_page or path)
        return self.post(path, data={**(data or {}), "csrf_token": token}, **kw)


def make_test_app(database_url: str, **overrides) -> Flask:
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "BASE_URL": "http://127.0.0.1:5000",
        "TILE_URL": "",  # no network here; the map must work without tiles
        "TILE_UPSTREAM_URL": "",  # nor a tile proxy reaching out (tests/plugins/tiles.py has one)
        "MAIL_SERVER": "",
        "RATELIMIT_STORAGE_URI": "memory://",
        "VAPID_PRIVATE_KEY": TEST_VAPID_KEY,
        # The test push service (tests/plugins/push.py) is on loopback, over http.
        "PUSH_ALLOW_PRIVATE_ENDPOINTS": True,
    }
    settings.update(overrides)
    app = create_app(settings)
    app.test_client_class = Client
    return app


@pytest.fixture
def app_settings() -> dict:
    """Override in a test module to change settings of the ``app`` fixture."""
    return {}


@pytest.fixture
def app(database_url, app_settings) -> Iterator[Flask]:
    app = make_test_app(database_url, **app_settings)
    yield app
    app.extensions["rallypoint.db"][0].dispose()


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def session(app):
    """A database session inside an app context, for arranging and checking data.

    Requests made meanwhile get sessions of their own (as in production); on SQLite this
    session does not take the write lock before it writes, so it cannot block them.
    """
    token = sqlite_deferred.set(True)
    try:
        with app.app_context():
            app.extensions["test_session"] = db.session
            yield db.session
    finally:
        app.extensions.pop("test_session", None)
        sqlite_deferred.reset(token)


@pytest.fixture
def organiser(app):
    """A saved organiser account: (user id, email, password)."""
    with app.app_context():
        user = make_user(db.session, display_name="Berlin Org")
        return user.id, user.email, PASSWORD


def log_in(client: Client, email: str, password: str):
    return client.submit("/login", {"email": email, "password": password})


@pytest.fixture
def logged_in(client, organiser) -> Client:
    response = log_in(client, organiser[1], organiser[2])
    assert response.status_code == 302
    return client
