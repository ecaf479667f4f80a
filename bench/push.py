"""Push alert benchmark: an urgent update to 10,000 subscribed phones through our worker code
(``services.push.send_due``, the function the worker calls each round: claim a batch, encrypt
each alert for its phone (RFC 8291) with pywebpush, sign VAPID once per push service and
batch, POST, record) against raw HTTP POSTs of one ready-made body with the same headers, on
the same number of threads, to the same push service on loopback, measured in the same run.

    .venv/bin/python bench/push.py [--subscriptions 10000] [--postgres URL]

The push service answers 201 to everything and only counts (it checks nothing, so that its
own work weighs the same on both sides); ``tests/plugins/push.py`` is the one that verifies
and decrypts, in the tests. The ratio (worker / raw throughput) is what to compare across
machines; each side runs ``--rounds`` times and the best is kept.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from flask import current_app  # noqa: E402
from sqlalchemy import delete, insert  # noqa: E402

from bench.common import add_postgres_option, bench_app  # noqa: E402
from core.extensions import db  # noqa: E402
from models import Event, PushAlert, PushSubscription, utcnow  # noqa: E402
from services import push  # noqa: E402
from services.events import changes  # noqa: E402
from services.push import sending  # noqa: E402
from tests.plugins.push import TEST_VAPID_KEY, PushService, b64url, public_point  # noqa: E402


def seed(app, service: PushService, count: int) -> int:
    """A published march with ``count`` subscriptions (real P-256 keys, as phones make)."""
    with app.app_context():
        now = utcnow()
        event = Event(
            slug="bench",
            title="Bench march",
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(hours=4),
            timezone="Europe/Berlin",
            city="Berlin",
            status="published",
            created_at=now,
        )
        db.session.add(event)
        db.session.flush()
        rows = [
            {
                "event_id": event.id,
                "endpoint": service.endpoint(f"phone{i}"),
                "p256dh": b64url(public_point(ec.generate_private_key(ec.SECP256R1()))),
                "auth": b64url(os.urandom(16)),
                "language": ("en", "de", "ru")[i % 3],
                "created_at": now,
            }
            for i in range(count)
        ]
        for start in range(0, count, 1000):
            db.session.execute(insert(PushSubscription), rows[start : start + 1000])
        db.session.commit()
        return event.id


def worker_run(app, event_id: int, service: PushService, count: int) -> float:
    """Alerts per second through ``push.send_due``, from the update to the last answer."""
    with app.app_context():
        db.session.execute(delete(PushAlert))
        event = db.session.get(Event, event_id)
        now = utcnow()
        change = changes.post_update(
            db.session, event, "Assemble at the Tiergarten side.", include_waitlist=False, now=now
        )
        push.queue_alert(db.session, event, change, role_id=None, now=now)
        db.session.commit()
        before = service.count
        started = time.perf_counter()
        while push.send_due(db.transaction, now, current_app.config):
            pass
        elapsed = time.perf_counter() - started
    assert service.count - before == count, (service.count - before, count)
    return count / elapsed


def raw_run(service: PushService, count: int) -> float:
    """Alerts per second as plain POSTs: one prebuilt 4 KB-bounded body, the same headers a
    real request carries, one keep-alive session per thread, ``sending.CONCURRENCY`` threads."""
    body = os.urandom(230)  # an encrypted alert of ours is about this long
    headers = {
        "Authorization": "vapid t=x,k=y",
        "TTL": "3600",
        "Urgency": "high",
        "Content-Encoding": "aes128gcm",
    }
    sessions: dict[int, requests.Session] = {}

    def one(i: int) -> int:
        http = sessions.setdefault(threading.get_ident(), requests.Session())
        return http.post(service.endpoint(f"phone{i}"), data=body, headers=headers).status_code

    before = service.count
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sending.CONCURRENCY) as pool:
        statuses = list(pool.map(one, range(count)))
    elapsed = time.perf_counter() - started
    for http in sessions.values():
        http.close()
    assert statuses.count(201) == count and service.count - before == count
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    add_postgres_option(parser)
    args = parser.parse_args()
    service = PushService()
    service.check = False
    settings = {
        "VAPID_PRIVATE_KEY": TEST_VAPID_KEY,
        "PUSH_ALLOW_PRIVATE_ENDPOINTS": True,  # the push service is on loopback
    }
    try:
        with bench_app(args.postgres, settings) as (app, url):
            event_id = seed(app, service, args.subscriptions)
            ours, raw = [], []
            for _ in range(args.rounds):  # alternate, so that the machine's load hits both
                ours.append(worker_run(app, event_id, service, args.subscriptions))
                raw.append(raw_run(service, args.subscriptions))
    finally:
        service.close()
    best_ours, best_raw = max(ours), max(raw)
    backend = url.split(":", 1)[0]
    print(
        f"database: {backend}, subscriptions: {args.subscriptions}, threads: {sending.CONCURRENCY}"
    )
    print(
        f"push alerts: worker {best_ours:6.0f}/s, raw HTTP POST {best_raw:6.0f}/s, "
        f"ratio worker/raw {best_ours / best_raw:.2f} "
        f"(10,000 phones in {10_000 / best_ours:.1f} s)"
    )


if __name__ == "__main__":
    main()
