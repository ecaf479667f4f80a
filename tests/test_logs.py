"""Logs never carry what could identify a participant: not from our code, not from Flask's
error log, not from the dev server's or gunicorn's request lines."""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gunicorn.glogging import SafeAtoms

from core import logs
from tests.plugins.smtp import free_port
from tests.waiting import real_clock, wait_until

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "Zx9_kQ2mP0aLrT5uVw8yB3cD4eFgH1iJ2kL3mN4oP5q"  # shaped like a manage-link token
PHONE = "Mozilla/5.0 (Linux; Android 14; Annas Pixel 8) Chrome/130.0 Mobile Safari/537.36"
GUNICORN_TIME = re.compile(r"\[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]")


# --- lines -----------------------------------------------------------------------------------


def test_addresses_emails_and_link_tokens_are_cut_and_times_kept():
    line = (
        f'203.0.113.9 - - [25/Nov/2026 21:50:33] "GET /manage/{TOKEN} HTTP/1.1"'
        " 200 - anna@example.org 2001:db8:85a3::8a2e:370:7334 [::1]:8080 ::ffff:192.0.2.1"
    )
    cleaned = logs.redact(line)
    for secret in ("203.0.113.9", TOKEN, "anna@example.org", "2001:db8", "::1", "192.0.2.1"):
        assert secret not in cleaned
    assert "[25/Nov/2026 21:50:33]" in cleaned and "GET /manage/[token]" in cleaned


def test_gunicorn_timestamps_are_not_taken_for_ipv6_addresses():
    for stamp in ("[01/Dec/2026:20:31:27 +0000]", "[2026-12-01 20:31:27 +0000]", "20:31:27.5"):
        assert logs.redact(f"{stamp} [12] [INFO] Booting worker with pid: 12") == (
            f"{stamp} [12] [INFO] Booting worker with pid: 12"
        )


def test_query_strings_are_read_after_percent_decoding():
    assert logs.redact("GET /e/march?ref=victim%40example.org") == "GET /e/march?ref=[email]"
    assert logs.redact("GET /e/march?ref=victim%2540example.org") == "GET /e/march?ref=[email]"
    encoded_token = TOKEN.replace("_", "%5F")
    assert logs.redact(f"GET /manage/{encoded_token}") == "GET /manage/[token]"


def test_what_someone_typed_into_a_search_is_not_logged():
    line = '"GET /organise/events/3/attendees?q=Ada+Lovelace&status=confirmed&page=2 HTTP/1.1"'
    assert logs.redact(line) == (
        '"GET /organise/events/3/attendees?q=[redacted]&status=confirmed&page=2 HTTP/1.1"'
    )


def test_decoding_cannot_forge_a_log_line():
    cleaned = logs.redact("GET /e/march?ref=x%0A127.0.0.1%20-%20-%20%22GET%20/admin%22")
    assert "\n" not in cleaned and '"' not in cleaned


def test_identifiers_in_a_traceback_stay_readable():
    line = 'File "/srv/.venv/lib/python3.11/site-packages/flask/app.py", in full_dispatch_request'
    assert logs.redact(line) == line


def test_user_agent_and_referrer_of_a_combined_log_line_are_cut():
    line = (
        '- - - [01/Dec/2026:20:31:27 +0000] "GET / HTTP/1.1" 200 512 '
        f'"https://example.org/anna" "{PHONE} \\"quoted\\""'
    )
    assert logs.redact(line).endswith('"GET / HTTP/1.1" 200 512 "-" "-"')


# --- records through a real handler ------------------------------------------------------------


@pytest.fixture
def log_output():
    """What a handler on the root logger writes, as a deployment's logging setup would have
    it: installed before the app is created."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


@pytest.fixture
def app_settings(log_output):
    # Crashes are handled (and logged) by Flask, as in production, not raised into the test.
    return {"PROPAGATE_EXCEPTIONS": False}


def test_a_crash_on_a_manage_link_is_logged_without_the_token(app, client, log_output):
    def crash(token: str):
        raise RuntimeError(f"no RSVP for {token} of anna@example.org")

    app.add_url_rule("/manage/<token>/crash", view_func=crash)
    response = client.get(f"/manage/{TOKEN}/crash?q=victim%40example.org")

    assert response.status_code == 500
    output = log_output.getvalue()
    assert "Exception on /manage/[token]/crash [GET]" in output
    assert "RuntimeError: no RSVP for [token] of [email]" in output
    assert "Traceback" in output and "full_dispatch_request" in output
    assert TOKEN not in output and "anna@example.org" not in output and "victim" not in output


def test_lines_of_any_module_logger_are_cut(app, log_output):
    logging.getLogger("services.worker").warning("could not send to %s", "anna@example.org")
    logging.getLogger("flask_limiter").warning("storage at 10.0.0.5 unreachable")
    output = log_output.getvalue()
    assert "could not send to [email]" in output and "storage at - unreachable" in output


def test_dev_server_request_lines_are_cut_and_its_banner_kept(live_server, log_output):
    status = fetch(f"{live_server}/manage/{TOKEN}?q=victim%40example.org", {"User-Agent": PHONE})
    assert status == 404  # no such RSVP
    wait_until(lambda: "werkzeug" in log_output.getvalue(), 5)
    logging.getLogger("werkzeug").info(" * Running on http://127.0.0.1:5000")

    output = re.sub(r"\x1b\[[0-9;]*m", "", log_output.getvalue())  # the dev server's colours
    assert "- - - [" in output and '"GET /manage/[token]?q=[redacted] HTTP/1.1" 404' in output
    assert TOKEN not in output and "victim" not in output and "Pixel" not in output
    assert " * Running on http://127.0.0.1:5000" in output


def test_gunicorn_access_records_lose_client_address_referrer_and_agent():
    atoms = SafeAtoms(
        {
            "h": "2001:db8::7",
            "l": "-",
            "u": "-",
            "t": "[01/Dec/2026:20:31:27 +0000]",
            "r": f"GET /manage/{TOKEN} HTTP/1.1",
            "s": "200",
            "b": "512",
            "f": "https://example.org/from/anna",
            "a": PHONE,
            "q": "q=Ada+Lovelace",
            "{user-agent}i": PHONE,
            "{x-forwarded-for}i": "203.0.113.9",
        }
    )
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(q)s %({x-forwarded-for}i)s',
        (atoms,),
        None,
    )
    logs.RedactingFilter().filter(record)
    assert record.getMessage() == (
        '- - - [01/Dec/2026:20:31:27 +0000] "GET /manage/[token] HTTP/1.1" 200 512 "-" "-"'
        " q=[redacted] -"
    )


# --- a real gunicorn ---------------------------------------------------------------------------


def test_gunicorn_logs_no_address_agent_token_or_email(tmp_path):
    """gunicorn configured as deploy/gunicorn.conf.py does it, with its default access-log
    format (which has the client address, referrer and user agent); the database has no
    schema, so a manage link fails and the app's own logger reports it."""
    port = free_port()
    conf = tmp_path / "gunicorn.conf.py"
    conf.write_text(
        "from core import logs\n"
        "logconfig_dict = logs.GUNICORN_LOGCONFIG\n"
        f"bind = '127.0.0.1:{port}'\n"
        "workers = 1\n"
    )
    env = {
        **{k: v for k, v in real_clock(dict(os.environ)).items() if not k.startswith("MAIL_")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "SECRET_KEY": "test-secret-key",
        "RALLYPOINT_ENV": "production",
    }
    out, err = (tmp_path / "access.log").open("w"), (tmp_path / "error.log").open("w")
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    server = subprocess.Popen(  # noqa: S603 - gunicorn from our own venv
        [gunicorn, "-c", str(conf), "app:create_app()"], cwd=ROOT, env=env, stdout=out, stderr=err
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/healthz")
        for path in (f"/manage/{TOKEN}?q=victim%40example.org", "/events?q=Ada+Lovelace"):
            assert fetch(base + path, {"User-Agent": PHONE, "Referer": f"{base}/anna@x.org"}) == 503
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        out.close()
        err.close()

    access = (tmp_path / "access.log").read_text()
    errors = (tmp_path / "error.log").read_text()
    assert '"GET /manage/[token]?q=[redacted] HTTP/1.1" 503' in access
    assert GUNICORN_TIME.search(access), access
    assert "Database unavailable on /manage/[token] [GET]" in errors
    assert re.search(r"\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}\]", errors), errors
    for secret in (TOKEN, "victim", "Ada", "Pixel", "anna@"):
        assert secret not in access + errors, secret
    # The client's address is nowhere; the server's own only where gunicorn says where it is.
    assert "127.0.0.1" not in access
    assert [line for line in errors.splitlines() if "127.0.0.1" in line] == [
        line for line in errors.splitlines() if "Listening at: http://127.0.0.1" in line
    ]


def fetch(url: str, headers: dict | None = None) -> int:
    """GET ``url`` from one of our own test servers; returns the status."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - http only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def _wait_until_up(url: str, timeout: float = 30) -> None:
    def answers() -> bool:
        try:
            fetch(url)
        except OSError:
            return False
        return True

    if not wait_until(answers, timeout, 0.1):
        fetch(url)  # raises what kept it from answering
