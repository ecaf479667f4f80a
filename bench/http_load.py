"""HTTP benchmark: the public pages and the RSVP form, against a hello-world Flask app served
by the same gunicorn (deploy/gunicorn.conf.py: sync workers, WEB_CONCURRENCY of them) and
driven by the same load generator (wrk), measured in the same run.

    .venv/bin/python bench/http_load.py [--rsvps 24,50000] [--seconds 5] [--connections 8]
                                   [--postgres URL]

For each number of RSVPs it makes a fresh database (SQLite, or one of its own on the
PostgreSQL server at URL, dropped afterwards), seeds the demo march and bulk-INSERTs the RSVPs,
starts gunicorn, and prints requests per second, p50 and p99 latency and the ratio to hello
for: the event page (200 and 304), live.json (200 and 304), the listing, and the RSVP POST.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this folder would come first on the path, and this file would shadow the
# standard library's ``http`` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from app import create_app  # noqa: E402
from core import migrate  # noqa: E402
from core.extensions import db  # noqa: E402
from models import Event, Rsvp, utcnow  # noqa: E402
from models.counts import recount  # noqa: E402
from services.events import demo  # noqa: E402
from tests.plugins.database import PostgresServer  # noqa: E402

BIN = Path(sys.executable).parent
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
# Limits far above what the bench sends: it measures the work, not the refusals.
UNLIMITED = "1000000 per minute"
RSVP_LUA = """
counter = 0
request = function()
  counter = counter + 1
  local body = "csrf_token=" .. token .. "&email=bench" .. math.random(1, 1000000000) ..
    "-" .. counter .. "%40example.org&name=&party_size=1&role_id=0&wants_reminders=y"
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie}, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str, rsvps: int) -> str:
    """The demo march with ``rsvps`` confirmed RSVPs (bulk INSERT, then a recount); its slug."""
    migrate.upgrade(url)
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": url})
    with app.app_context():
        session = db.session
        now = utcnow()
        demo.seed(session, email="demo@example.org", password="demo organiser password", now=now)
        event = session.scalar(select(Event).where(Event.slug == demo.DEMO_SLUG))
        for start in range(0, rsvps, 5000):
            session.execute(
                insert(Rsvp),
                [
                    {
                        "event_id": event.id,
                        "email": f"person{i}@example.org",
                        "party_size": 1 + i % 3,
                        "status": "confirmed",
                        "token_salt": f"{i:032x}",
                        "token_hash": f"{i:064x}",
                        "created_at": now - timedelta(minutes=i % 600),
                        "updated_at": now,
                    }
                    for i in range(start, min(rsvps, start + 5000))
                ],
            )
        recount(session.connection(), [event.id])
        session.commit()
        slug = event.slug
    app.extensions["rallypoint.db"][0].dispose()
    return slug


def start(app_spec: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(CONFIG), app_spec],
        cwd=ROOT,
        env={**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not start; see {log}")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, 2)  # SIGINT: gunicorn's quick shutdown
    proc.wait(30)


def _seconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def wrk(args, url: str, *, headers=(), script: str | None = None, seconds: int = 0) -> dict:
    """rps, p50 and p99 (seconds) and non-2xx/3xx answers of one wrk run against ``url``."""
    duration = seconds or args.seconds
    argv = ["wrk", "-t2", f"-c{args.connections}", f"-d{duration}s", "--latency"]
    for header in headers:
        argv += ["-H", header]
    if script:
        argv += ["-s", script]
    out = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _seconds(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": _seconds(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "bad": int(bad.group(1)) if bad else 0,
    }


def get(url: str, headers: dict | None = None):
    from urllib.request import Request, urlopen

    return urlopen(Request(url, headers=headers or {}), timeout=120)  # noqa: S310 - loopback


def run_size(args, rsvps: int, workdir: Path, server: PostgresServer | None) -> list[tuple]:
    url = server.create() if server else f"sqlite:///{workdir / f'bench-{rsvps}.sqlite3'}"
    slug = seed(url, rsvps)
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret",
        "BASE_URL": "http://127.0.0.1",
        "RALLYPOINT_ENV": "development",
        "RATELIMIT_STORAGE_URI": "memory://",
        "RSVP_RATE_LIMIT": UNLIMITED,
        "RSVP_EMAIL_RATE_LIMIT": UNLIMITED,
        "NOT_FOUND_RATE_LIMIT": UNLIMITED,
        "TILE_URL": "",
        "TILE_UPSTREAM_URL": "",
    }
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    rows = []
    port = free_port()
    hello = start("bench.hello:app", port, env, workdir / "hello.log")
    try:
        base = wrk(args, f"http://127.0.0.1:{port}/")
    finally:
        stop(hello)
    rows.append(("hello", base))
    port = free_port()
    proc = start("app:create_app()", port, env, workdir / f"app-{rsvps}.log")
    try:
        root = f"http://127.0.0.1:{port}"
        page_tag = get(f"{root}/e/{slug}").headers["ETag"]
        feed_tag = get(f"{root}/e/{slug}/live.json").headers["ETag"]
        form = get(f"{root}/e/{slug}/rsvp")
        cookie = form.headers["Set-Cookie"].split(";")[0]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.read().decode()).group(1)
        script = workdir / "rsvp.lua"
        script.write_text(
            f'token = "{token}"\ncookie = "{cookie}"\npath = "/e/{slug}/rsvp"\n' + RSVP_LUA
        )
        cases = [
            ("page 200", f"/e/{slug}", (), None),
            ("page 200, rendered", f"/e/{slug}?fresh=1", (), None),
            ("page 304", f"/e/{slug}", (f"If-None-Match: {page_tag}",), None),
            ("live.json 200", f"/e/{slug}/live.json", (), None),
            ("live.json 304", f"/e/{slug}/live.json", (f"If-None-Match: {feed_tag}",), None),
            ("listing", "/events", (), None),
            ("RSVP POST", f"/e/{slug}/rsvp", (), str(script)),
        ]
        # Every worker builds its app and caches on its first requests: not measured.
        for path in (f"/e/{slug}", f"/e/{slug}/live.json", "/events"):
            wrk(args, root + path, seconds=2)
        for name, path, headers, lua in cases:
            rows.append((name, wrk(args, root + path, headers=headers, script=lua)))
    finally:
        stop(proc)
    return [(rsvps, name, result, result["rps"] / base["rps"]) for name, result in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rsvps", default="24,50000")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=0, help="default: the deploy config's")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    server = PostgresServer(args.postgres) if args.postgres else None
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for rsvps in (int(n) for n in args.rsvps.split(",")):
                results += run_size(args, rsvps, Path(tmp), server)
        finally:
            if server:
                server.drop_all()
    print(f"{'RSVPs':>6}  {'case':<20} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} {'× hello':>8}")
    for rsvps, name, r, ratio in results:
        errors = f"  ({r['bad']} non-2xx/3xx)" if r["bad"] else ""
        print(
            f"{rsvps:>6}  {name:<20} {r['rps']:>8.0f} {r['p50'] * 1e3:>8.2f} "
            f"{r['p99'] * 1e3:>8.2f} {ratio:>8.2f}{errors}"
        )
    by = {(n, name): ratio for n, name, _r, ratio in results}
    sizes = sorted({n for n, *_ in results})
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(
            f"page 200 at {large} / at {small}: "
            f"{by[(large, 'page 200')] / by[(small, 'page 200')]:.2f}"
        )


if __name__ == "__main__":
    main()
