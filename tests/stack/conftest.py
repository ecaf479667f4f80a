"""The stack tier: the site as it is deployed, on loopback, from the repository's deploy/ files.

nginx (deploy/nginx/rallypoint.conf, TLS with a certificate made here) in front of gunicorn
(deploy/gunicorn.conf.py, two sync workers), on a PostgreSQL database of its own, with a Redis
of its own for the rate limits and two mail workers sending to aiosmtpd; Chromium and plain
TLS clients talk to nginx over https.

Skipped when nginx is missing, unless REQUIRE_STACK=1 (as in CI): then any missing piece
(nginx, PostgreSQL, Redis, Chromium, openssl) fails the tier instead.
"""

from __future__ import annotations

import os
import shutil
import ssl
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.plugins.browser import CHROMIUM_PATH, PHONE
from tests.plugins.push import TEST_VAPID_KEY
from tests.plugins.smtp import SmtpServer
from tests.stack.harness import (
    BIN,
    DESKTOP,
    LIVE_POLL_SECONDS,
    NGINX,
    POSTGRES_URL,
    ROOT,
    RSVP_RATE_LIMIT,
    Processes,
    Stack,
    free_port,
    make_certificate,
    missing,
    run,
)

_RUNNING: list[Stack] = []


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    """The whole site on loopback, started for a test module and stopped after it (not at
    the end of the session, so that it does not outlive the tier inside ``make test``)."""
    if not os.path.exists(NGINX):
        missing(f"nginx not found at {NGINX}: apt-get install nginx (or set NGINX_PATH)")
    if shutil.which("redis-server") is None:
        missing("redis-server not found: apt-get install redis-server")
    for tool in ("gunicorn", "flask"):
        if not (BIN / tool).exists():
            missing(f"{BIN / tool} not found: install requirements.txt into the virtualenv")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except OperationalError:
        admin.dispose()
        missing(f"PostgreSQL not reachable at {POSTGRES_URL} (set STACK_POSTGRES_URL)")

    tmp = tmp_path_factory.mktemp("stack")
    (tmp / "logs").mkdir()
    name = f"rallypoint_stack_{uuid.uuid4().hex[:12]}"
    database_url = make_url(POSTGRES_URL).set(database=name).render_as_string(False)
    smtp = SmtpServer()
    processes = Processes(tmp / "logs")
    ports = {
        "https_port": free_port("::1"),
        "http_port": free_port("::1"),
        "app_port": free_port(),
        "redis_port": free_port(),
    }
    https_base = f"https://127.0.0.1:{ports['https_port']}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "RALLYPOINT_ENV": "production",
        "SECRET_KEY": uuid.uuid4().hex * 2,
        # Shared by every web and mail worker, as deploy/env.example says (else each would
        # generate one into instance/, the checkout's own).
        "VAPID_PRIVATE_KEY": TEST_VAPID_KEY,
        "DATABASE_URL": database_url,
        "BASE_URL": https_base,
        "TRUSTED_PROXIES": "1",
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{ports['redis_port']}/0",
        "RSVP_RATE_LIMIT": f"{RSVP_RATE_LIMIT} per minute",
        "MAIL_SERVER": smtp.host,
        "MAIL_PORT": str(smtp.port),
        "MAIL_FROM": "Rallypoint <noreply@rallypoint.invalid>",
        "TILE_URL": "",  # no network here; the map draws the route without tiles
        "LIVE_POLL_SECONDS": str(LIVE_POLL_SECONDS),
        "OUTBOX_POLL_SECONDS": "0.2",
        "GUNICORN_BIND": f"127.0.0.1:{ports['app_port']}",
        "WEB_CONCURRENCY": "2",
    }
    # A certificate of our own; the plain clients trust just that one (Chromium is told to
    # ignore the error instead).
    cert, key = make_certificate(tmp)
    tls = ssl.create_default_context(cafile=str(cert))
    running = Stack(
        tmp=tmp,
        database_url=database_url,
        smtp=smtp,
        processes=processes,
        env=env,
        tls=tls,
        **ports,
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        smtp.start()
        running.start_redis()
        run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], cwd=ROOT, env=env, timeout=120)
        running.start_gunicorn()
        for n in (1, 2):
            processes.start(f"mail-worker-{n}", [str(BIN / "flask"), "--app", "app", "worker"], env)
        running.start_nginx(cert, key)
        _RUNNING.append(running)
        yield running
    finally:
        _RUNNING.clear()
        processes.stop_all()
        smtp.stop()
        running.db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing stack test shows the end of each process's log."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and _RUNNING:
        processes = _RUNNING[0].processes
        for name in ("gunicorn", "mail-worker-1", "mail-worker-2", "nginx", "rallypoint-error"):
            if processes.log(name).strip():
                report.sections.append((f"stack log: {name}", processes.tail(name, 15)))


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium(request):
    """The suite's Chromium (tests/plugins/browser.py): one Playwright per process is all the sync
    API allows, and the browser tests may have started it already. Missing, it fails the
    tier under REQUIRE_STACK=1 even where REQUIRE_BROWSER is not set."""
    if not os.path.exists(CHROMIUM_PATH):
        missing(f"Chromium not found at {CHROMIUM_PATH}: apt-get install chromium")
    return request.getfixturevalue("browser")


@pytest.fixture(scope="module")
def open_context(chromium, stack):
    """Opens a browser context on the stack: ``open_context("phone")`` or ``("desktop")``,
    plus any of Playwright's context options (``storage_state=...``). Closed at the end.

    The certificate is our own (ignore_https_errors); service workers are blocked so that
    what a test reads is what nginx answered, not the worker's copy."""
    opened = []

    def open_(kind: str = "phone", **options):
        settings = {
            **(PHONE if kind == "phone" else DESKTOP),
            "ignore_https_errors": True,
            "service_workers": "block",
            "base_url": stack.base_url,
            **options,
        }
        context = chromium.new_context(**settings)
        context.set_default_timeout(15_000)
        opened.append(context)
        return context

    yield open_
    for context in opened:
        context.close()
