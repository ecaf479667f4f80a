"""Fixtures, one per real part: the app on SQLite or PostgreSQL, a client, a browser, SMTP.

Every test that uses ``app`` runs once on SQLite and, when ``TEST_DATABASE_URL`` is set, once
more on PostgreSQL. The schema always comes from the Alembic migrations.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from app import create_app
from core import migrate
from core.database import sqlite_deferred
from core.extensions import db
from models import Base

if os.environ.get("FAKETIME") and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":
    # Under libfaketime with a real monotonic clock, time.sleep fails with EINVAL (see
    # tests/waiting.py); the standard library sleeps through it too (Popen.wait(timeout)).
    import time

    from tests.waiting import pause

    time.sleep = pause

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
CSRF_INPUT = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


# --- databases -------------------------------------------------------------------------------


class PostgresServer:
    """Creates databases of our own on the server named by TEST_DATABASE_URL, and drops them."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self) -> str:
        name = f"rallypoint_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    if not TEST_DATABASE_URL:
        yield None
        return
    server = PostgresServer(TEST_DATABASE_URL)
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def migrated_postgres_url(postgres) -> str:
    url = postgres.create()
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path) -> Iterator[str]:
    """A migrated database, empty of rows, for one test."""
    if backend == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("migrated_postgres_url")
    yield url
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def empty_database_url(backend, postgres, tmp_path) -> str:
    """A database with no schema at all, for the migration tests."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return postgres.create()


# --- the app ---------------------------------------------------------------------------------


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
        "MAIL_SERVER": "",
        "RATELIMIT_STORAGE_URI": "memory://",
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
    from services.accounts import users as accounts

    with app.app_context():
        user = accounts.create_user(
            db.session,
            email="org@example.org",
            display_name="Berlin Org",
            password="correct horse battery",
        )
        db.session.commit()
        return user.id, "org@example.org", "correct horse battery"


def log_in(client: Client, email: str, password: str):
    return client.submit("/login", {"email": email, "password": password})


@pytest.fixture
def logged_in(client, organiser) -> Client:
    response = log_in(client, organiser[1], organiser[2])
    assert response.status_code == 302
    return client


# --- a live server and a phone browser -------------------------------------------------------


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


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
