"""Organiser benchmark: moving the start, posting an update and cancelling an event with 10k,
50k and 100k participants, through the real app (gunicorn with sync workers, as deployed) and
real mail workers (``flask worker``) sending to an SMTP sink on loopback.

    .venv/bin/python bench/organiser.py [--quick] [--sizes 10000,50000,100000] [--workers 2]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

For each size and action it reports the organiser's request time, the time until the last
notice reached the sink, and the latency of a confirmation email for an RSVP made on another
event right after the organiser's request (while the notices are being prepared and sent).
The baseline, measured in the same run, is the same action on an event with 10 participants:
the ratio request(N) / request(baseline) is what shows whether a request grows with N.
``--quick`` runs 2,000 participants only (about a minute).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from core import migrate  # noqa: E402
from tests.plugins.database import PostgresServer  # noqa: E402
from tests.plugins.smtp import free_port  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "a long bench password"
BASELINE = 10
ACTIONS = ("change", "update", "cancel")


class Sink:
    """Counts each event's notices (recipients p{event}-{n}@...) and notes when the last one
    and each other recipient's message arrived."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count: dict[str, int] = {}
        self.last_at: dict[str, float] = {}
        self.arrived: dict[str, float] = {}

    async def handle_DATA(self, server, session, envelope):
        now = time.perf_counter()
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                if rcpt.startswith("p") and "-" in rcpt:
                    event = rcpt.split("-", 1)[0]
                    self.count[event] = self.count.get(event, 0) + 1
                    self.last_at[event] = now
                else:
                    self.arrived[rcpt] = now
        return "250 OK"


class Form(HTMLParser):
    """The fields of the page's form that posts to ``action`` (or to the page itself), with
    their values as a browser would send them."""

    def __init__(self, action: str | None) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("method") == "post" and (a.get("action") or None) == self.action
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "y")
            elif kind not in ("submit", "button"):
                self.fields[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif (
            tag == "option"
            and self._select
            and ("selected" in a or self._select not in self.fields)
        ):
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def form_of(http: requests.Session, url: str, action: str | None = None) -> dict:
    page = http.get(url)
    page.raise_for_status()
    parser = Form(action)
    parser.feed(page.text)
    assert "csrf_token" in parser.fields, f"no form on {url}"
    return parser.fields


def make_event(app, owner_id: int, title: str) -> tuple[int, str]:
    """A published event a week ahead, made through the app's own services."""
    from core.extensions import db
    from models import utcnow
    from services import events
    from tests.factories import event_details

    start = (utcnow() + timedelta(days=7)).astimezone(ZoneInfo("Europe/Berlin"))
    start = start.replace(hour=13, minute=0, second=0, microsecond=0, tzinfo=None)
    with app.app_context():
        event = events.create_event(
            db.session,
            owner_id=owner_id,
            now=utcnow(),
            details=event_details(
                title=title, starts_local=start, ends_local=start + timedelta(hours=3)
            ),
        )
        events.publish(db.session, event)
        db.session.commit()
        return event.id, event.slug


def seed(engine, event_id: int, participants: int) -> None:
    """``participants`` confirmed RSVPs (70 % en, 20 % de, 10 % ru), one INSERT."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO rsvps (event_id, email, name, party_size, status, token_salt,"
                " token_hash, wants_reminders, wants_updates, language, created_at, updated_at)"
                " SELECT :e, 'p' || :e || '-' || i || '@example.org', 'Person ' || i, 1,"
                " 'confirmed', md5(:e || 'salt' || i), md5(:e || 'hash' || i) || md5(i::text),"
                " true, true,"
                " CASE WHEN i % 10 < 7 THEN 'en' WHEN i % 10 < 9 THEN 'de' ELSE 'ru' END,"
                " now(), now() FROM generate_series(1, :n) AS i"
            ),
            {"e": event_id, "n": participants},
        )
        conn.execute(text("ANALYZE rsvps"))


def organiser_action(http: requests.Session, base: str, event_id: int, action: str) -> float:
    """Seconds the organiser's POST took (the redirect it answers with is not followed)."""
    path = f"{base}/organise/events/{event_id}"
    if action == "change":
        fields = form_of(http, f"{path}/edit")
        starts = fields["starts_at"]  # "YYYY-MM-DDTHH:MM": an hour later, same day or not
        hour = (int(starts[11:13]) + 1) % 24
        fields["starts_at"] = f"{starts[:11]}{hour:02d}{starts[13:]}"
        url = f"{path}/edit"
    elif action == "update":
        fields = form_of(http, f"{path}/updates")
        fields["message"] = "Bring water, it will be hot."
        url = f"{path}/updates"
    else:
        fields = form_of(http, f"{path}/cancel")
        fields["reason"] = "The police banned the route."
        url = f"{path}/cancel"
    started = time.perf_counter()
    answer = http.post(url, data=fields, allow_redirects=False, headers={"Referer": url})
    seconds = time.perf_counter() - started
    assert answer.status_code in (302, 303), f"{action}: {answer.status_code}"
    return seconds


def rsvp(base: str, slug: str, email: str) -> float:
    """Send the public RSVP form (a fresh visitor); returns the instant it was answered."""
    http = requests.Session()
    url = f"{base}/e/{slug}/rsvp"
    fields = form_of(http, url, f"/e/{slug}/rsvp")
    fields.update(email=email, name="Late")
    answer = http.post(url, data=fields, headers={"Referer": url})
    assert answer.status_code == 200, f"RSVP: {answer.status_code}"
    return time.perf_counter()


def wait_for(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--quick", action="store_true", help="2,000 participants only")
    parser.add_argument("--workers", type=int, default=2, help="mail worker processes")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server; the bench makes a database of its own there and drops it",
    )
    args = parser.parse_args()
    sizes = [2000] if args.quick else [int(s) for s in args.sizes.split(",")]

    server = PostgresServer(args.postgres)
    url = server.create()
    migrate.upgrade(url)
    engine = create_engine(url)
    sink = Sink()
    smtp_port, web_port = free_port(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    base = f"http://127.0.0.1:{web_port}"
    tmp = tempfile.TemporaryDirectory()
    env = {
        **os.environ,
        "RALLYPOINT_ENV": "production",
        "SECRET_KEY": "bench-secret",
        "DATABASE_URL": url,
        "BASE_URL": base,
        "TRUSTED_PROXIES": "0",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RSVP_RATE_LIMIT": "1000 per minute",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "GUNICORN_BIND": f"127.0.0.1:{web_port}",
        "WEB_CONCURRENCY": "2",
        "TILE_URL": "",
        "TILE_UPSTREAM_URL": "",
    }
    processes: list[subprocess.Popen] = []
    results: list[dict] = []
    app = _app(url)
    try:
        owner_id = make_owner(app)
        _, side_slug = make_event(app, owner_id, "Side march")  # where the late RSVPs go
        logs = Path(tmp.name)
        processes.append(
            subprocess.Popen(  # noqa: S603
                [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(logs / "gunicorn.log").open("w"),
            )
        )
        for _ in range(args.workers):
            processes.append(
                subprocess.Popen(  # noqa: S603
                    [str(BIN / "flask"), "--app", "app", "worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=(logs / "worker.log").open("a"),
                )
            )
        wait_for(lambda: _answers(base), 60)
        http = requests.Session()
        login = form_of(http, f"{base}/login")
        login.update(email="bench@example.org", password=PASSWORD)
        assert http.post(f"{base}/login", data=login, headers={"Referer": f"{base}/login"}).ok

        for _ in range(6):  # both web workers load their templates before anything is timed
            http.get(f"{base}/dashboard/").raise_for_status()
        late = 0
        for size in [BASELINE, *sizes]:
            event_id, _slug = make_event(app, owner_id, f"Bench march {size}")
            seed(engine, event_id, size)
            for n, action in enumerate(ACTIONS, 1):
                request_s = organiser_action(http, base, event_id, action)
                started = time.perf_counter() - request_s
                late += 1
                address = f"late{late}@example.org"
                asked = rsvp(base, side_slug, address)
                key = f"p{event_id}"
                wait_for(
                    lambda k=key, want=size * n, a=address: (
                        sink.count.get(k, 0) >= want and a in sink.arrived
                    ),
                    3600,
                )
                results.append(
                    {
                        "size": size,
                        "action": action,
                        "request": request_s,
                        "last": sink.last_at[key] - started,
                        "confirm": sink.arrived[address] - asked,
                    }
                )
                print(_line(results[-1], results), flush=True)
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        controller.stop()
        app.extensions["rallypoint.db"][0].dispose()
        engine.dispose()
        server.drop_all()
        tmp.cleanup()
    _table(results, args.workers)


def _app(url: str):
    from app import create_app

    return create_app({"SECRET_KEY": "bench-secret", "DATABASE_URL": url})


def make_owner(app) -> int:
    """A verified organiser account, made through the app's own service."""
    from core.extensions import db
    from models import utcnow
    from services import accounts

    with app.app_context():
        user = accounts.create_user(
            db.session,
            email="bench@example.org",
            display_name="Bench",
            password=PASSWORD,
            verified_at=utcnow(),
        )
        db.session.commit()
        return user.id


def _answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _baseline(result: dict, results: list[dict]) -> dict:
    return next(r for r in results if r["size"] == BASELINE and r["action"] == result["action"])


def _line(result: dict, results: list[dict]) -> str:
    ratio = result["request"] / _baseline(result, results)["request"]
    rate = result["size"] / result["last"] if result["last"] > 0 else 0
    return (
        f"{result['size']:>7} {result['action']:<7} request {result['request'] * 1000:8.0f} ms"
        f"  (x{ratio:5.2f} of {BASELINE})  last message {result['last']:8.1f} s"
        f"  ({rate:6.0f} msg/s)  confirmation {result['confirm']:7.1f} s"
    )


def _table(results: list[dict], workers: int) -> None:
    print()
    print(f"PostgreSQL, gunicorn (2 sync workers), {workers} mail workers, SMTP sink on loopback")
    print("participants | action  | request ms | ×baseline | last message s | msg/s | confirm s")
    print("-------------|---------|-----------:|----------:|---------------:|------:|----------:")
    for r in results:
        base = _baseline(r, results)
        print(
            f"{r['size']:>12,} | {r['action']:<7} | {r['request'] * 1000:10.0f} |"
            f" {r['request'] / base['request']:9.2f} | {r['last']:14.1f} |"
            f" {r['size'] / r['last']:5.0f} | {r['confirm']:9.1f}"
        )


if __name__ == "__main__":
    main()
