"""When a part the app depends on fails, visitors get a page that says so instead of a crash,
and the app recovers by itself once the part is back: PostgreSQL stopped and started again,
the rate-limit store (Redis) unreachable or stopped.

The servers here are our own, started in a temporary folder on a free port, so that a test
can stop them. Without their binaries the tests skip, except in CI (``CI`` or
``REQUIRE_STACK`` set), where they fail.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core import migrate
from core.extensions import db
from models import Rsvp
from tests.factories import make_event, make_user
from tests.plugins.app import log_in, make_test_app
from tests.plugins.smtp import free_port
from tests.redis_server import redis_argv
from tests.waiting import real_clock, wait_until

UNAVAILABLE = ("Error 503", "Please wait a little and try again.")
RSVP = {"email": "anna@example.org", "name": "Anna", "party_size": "1"}


def require(what: str, found: object) -> None:
    """Skip without ``what``, but fail where the whole stack must be tested (CI)."""
    if found:
        return
    message = f"{what} not found: apt-get install postgresql redis-server"
    if any(
        os.environ.get(name, "").lower() not in ("", "0", "false")
        for name in ("CI", "REQUIRE_STACK")
    ):
        pytest.fail(message)
    pytest.skip(message)


def wait_for_port(port: int, *, open_: bool, timeout: float = 20) -> None:
    def reached() -> bool:
        with socket.socket() as sock:
            return (sock.connect_ex(("127.0.0.1", port)) == 0) == open_

    if not wait_until(reached, timeout):
        raise TimeoutError(f"port {port} did not {'open' if open_ else 'close'}")


# --- PostgreSQL ------------------------------------------------------------------------------


class OwnPostgres:
    """A PostgreSQL cluster of our own in a temporary folder (initdb refuses to run as root,
    so then it runs as the ``postgres`` user)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="rallypoint-pg-"))
        self.data = self.dir / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)  # noqa: S603

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def postgres_bindir() -> Path | None:
    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(initdb).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    bindir = postgres_bindir()
    require("PostgreSQL (initdb, pg_ctl)", bindir and shutil.which("pg_ctl", path=str(bindir)))
    if os.geteuid() == 0:
        require("the postgres user (to run initdb as root)", _user_exists("postgres"))
    server = OwnPostgres(bindir)
    try:
        server.start()
        yield server
    finally:
        server.remove()


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def test_pages_say_unavailable_while_postgresql_is_down_and_work_again_after(own_postgres):
    migrate.upgrade(own_postgres.url)
    app = make_test_app(own_postgres.url)
    client = app.test_client()
    with app.app_context():
        make_user(db.session, "org@example.org", display_name="Org", password="a long password!")
        slug = make_event(db.session).slug
        db.session.commit()
    log_in(client, "org@example.org", "a long password!")
    rsvp_token = client.csrf_token(f"/e/{slug}/rsvp")
    assert client.get(f"/e/{slug}").status_code == 200

    own_postgres.stop()

    for path in ("/", "/events", f"/e/{slug}", "/dashboard/", "/manage/" + "x" * 43):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 503, path
        assert all(text in html for text in UNAVAILABLE), path
        assert "Traceback" not in html and "psycopg" not in html
        assert str(own_postgres.port) not in html
        assert response.headers["Retry-After"] == "30"
        assert response.headers["Cache-Control"] == "no-store"
    response = client.post(f"/e/{slug}/rsvp", data={**RSVP, "csrf_token": rsvp_token})
    assert response.status_code == 503
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"] == "unavailable"

    own_postgres.start()

    # The same app, not restarted: dead pooled connections are noticed and replaced.
    assert client.get(f"/e/{slug}").status_code == 200
    assert client.get("/dashboard/").status_code == 200  # still logged in
    assert client.get("/healthz").status_code == 200
    response = client.post(f"/e/{slug}/rsvp", data={**RSVP, "csrf_token": rsvp_token})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Rsvp.email)).all() == ["anna@example.org"]
    app.extensions["rallypoint.db"][0].dispose()


# --- the rate-limit store --------------------------------------------------------------------


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    # One backend is enough: these tests are about the limiter, not the database.
    path = tmp_path / "faults.sqlite3"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


class OwnRedis:
    """redis-server on a free port, without persistence, that a test can stop and start."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.dir = tmp_path
        self.pid: int | None = None

    def start(self) -> None:
        pidfile = self.dir / "redis.pid"
        pidfile.unlink(missing_ok=True)  # a stopped redis may leave its old one behind
        subprocess.run(  # noqa: S603 - the system's redis-server
            [
                *redis_argv(self.port, self.dir),
                "--daemonize",
                "yes",
                "--pidfile",
                str(pidfile),
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            check=True,
            timeout=30,
            env=real_clock(dict(os.environ)),
        )
        wait_for_port(self.port, open_=True)
        # A daemonized redis writes its pid just after it listens; the file can exist, empty,
        # for a moment before the number is in it.
        pid = wait_until(lambda: pidfile.exists() and pidfile.read_text().strip().isdigit(), 10)
        assert pid, "redis-server wrote no pid file"
        self.pid = int(pidfile.read_text())

    def stop(self) -> None:
        if self.pid is not None:
            os.kill(self.pid, signal.SIGTERM)
            self.pid = None
            wait_for_port(self.port, open_=False)

    def limit_keys(self) -> list:
        import redis

        client = redis.Redis(port=self.port)
        try:
            return client.keys("LIMITS*")
        finally:
            client.close()


@pytest.fixture
def own_redis(tmp_path) -> Iterator[OwnRedis]:
    require("redis-server", shutil.which("redis-server"))
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def post_login(client, password: str = "wrong password!") -> int:  # noqa: S107
    token = client.csrf_token("/login")
    data = {"email": "org@example.org", "password": password, "csrf_token": token}
    return client.post("/login", data=data).status_code


def rsvp_status(client, slug: str, email: str) -> int:
    return client.submit(f"/e/{slug}/rsvp", {**RSVP, "email": email}).status_code


def app_with_limits_in(sqlite_url: str, storage_uri: str, **settings):
    app = make_test_app(sqlite_url, RATELIMIT_STORAGE_URI=storage_uri, **settings)
    with app.app_context():
        make_user(db.session, "org@example.org", display_name="Org", password="a long password!")
        slug = make_event(db.session).slug
        db.session.commit()
    return app, slug


# Defined before the test with no store at all: the limiter is one object for the whole test
# run, and once it has given up on a store it checks again only after a growing pause.
def test_limits_survive_redis_stopping_and_go_back_to_it(sqlite_url, own_redis):
    app, slug = app_with_limits_in(
        sqlite_url, f"redis://127.0.0.1:{own_redis.port}/0", RSVP_RATE_LIMIT="1000 per minute"
    )
    client = app.test_client()
    assert post_login(client) == 422
    assert rsvp_status(client, slug, "a@example.org") == 200
    assert own_redis.limit_keys(), "the limits were not counted in Redis"

    own_redis.stop()
    assert post_login(client) == 422
    assert rsvp_status(client, slug, "b@example.org") == 200

    own_redis.start()  # empty: no persistence
    deadline = time.monotonic() + 20
    attempt = 0
    while not own_redis.limit_keys() and time.monotonic() < deadline:
        attempt += 1
        assert rsvp_status(client, slug, f"p{attempt}@example.org") == 200
        time.sleep(0.25)
    assert own_redis.limit_keys(), "the limiter did not go back to Redis"
    assert post_login(client, "a long password!") == 302
    app.extensions["rallypoint.db"][0].dispose()


def test_rate_limited_pages_keep_serving_when_redis_cannot_be_reached(sqlite_url):
    closed = free_port()  # nothing listens there
    app, slug = app_with_limits_in(
        sqlite_url, f"redis://127.0.0.1:{closed}/0", LOGIN_RATE_LIMIT="3 per minute"
    )
    client = app.test_client()

    assert rsvp_status(client, slug, "a@example.org") == 200
    assert post_login(client, "a long password!") == 302
    client.post("/logout", data={"csrf_token": client.csrf_token("/dashboard/")})
    # Limits are still kept, in this process's memory.
    assert [post_login(client) for _ in range(3)] == [422, 422, 429]
    app.extensions["rallypoint.db"][0].dispose()
