"""Attendee list benchmark on PostgreSQL: the organisers' list and its search at 100,000
RSVPs, SQL time per query, with the indexes of migration 0011 (``after``) and without them
(``before``: dropped inside a transaction that is rolled back), in the same run.

    .venv/bin/python bench/attendees.py --postgres postgresql+psycopg://postgres@127.0.0.1/postgres
        [--attendees 100000] [--other 50000]

The bench makes a database of its own on that server and drops it. ``delivery_progress``
(the mail counters on the same page) is not measured here.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from core import migrate  # noqa: E402
from models import Event, Role, Rsvp, utcnow  # noqa: E402
from models.enums import RsvpStatus  # noqa: E402
from services.rsvp import attendees  # noqa: E402
from tests.plugins.database import PostgresServer  # noqa: E402

FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hannah",
    "Ivan",
    "Jana",
    "Karl",
    "Lena",
    "Max",
    "Nina",
    "Olga",
    "Paul",
]
LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
]
NEW_INDEXES = (
    "ix_rsvps_email_trgm",
    "ix_rsvps_name_trgm",
    "ix_rsvps_event_id_created_at_id",
    "ix_rsvps_role_id",
    "ix_rsvps_event_id_status_role_id_party_size",
)
REPEATS = 5


class SqlClock:
    """Time spent in the database driver, summed per query run."""

    def __init__(self, engine) -> None:
        self.spent = 0.0
        self.statements = 0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.spent += time.perf_counter() - conn.info.pop("bench_started")
        self.statements += 1


def seed(session: Session, attendees_count: int, other: int) -> Event:
    now = utcnow()
    events = [
        Event(
            slug=f"bench-{n}",
            title="Bench march",
            starts_at=now + timedelta(days=7),
            ends_at=now + timedelta(days=7, hours=3),
            timezone="Europe/Berlin",
            status="published",
        )
        for n in range(2)
    ]
    session.add_all(events)
    session.flush()
    stewards = Role(event_id=events[0].id, seq=1, name="Stewards", needed=200)
    session.add(stewards)
    session.flush()
    rng = random.Random(12)
    statuses = [RsvpStatus.CONFIRMED] * 8 + [RsvpStatus.WAITLISTED, RsvpStatus.CANCELLED]
    for target, count in ((events[0], attendees_count), (events[1], other)):
        batch = []
        for n in range(count):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            batch.append(
                {
                    "event_id": target.id,
                    "role_id": stewards.id if target is events[0] and n % 500 == 0 else None,
                    "email": f"{first}.{last}.{n}@{rng.choice(['mail.de', 'posteo.net'])}".lower(),
                    "name": f"{first} {last}",
                    "party_size": 1 + n % 3,
                    "status": rng.choice(statuses),
                    "token_salt": f"{target.id}-{n}",
                    "token_hash": f"{target.id}-{n}",
                    "language": "de",
                    "created_at": now - timedelta(seconds=count - n),
                }
            )
            if len(batch) == 5000:
                session.execute(insert(Rsvp), batch)
                batch = []
        if batch:
            session.execute(insert(Rsvp), batch)
    session.commit()
    # As autovacuum leaves a table that has settled: statistics, and the visibility map
    # that lets counts read the index alone.
    with session.get_bind().connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE rsvps"))
    return events[0]


def measure(session: Session, clock: SqlClock, target: Event, attendees_count: int) -> dict:
    last_page = attendees_count // attendees.PER_PAGE
    cases = {
        "list, page 1": {},
        f"list, page {last_page // 4}": {"page": last_page // 4},
        f"list, page {last_page // 2 - 100} (the middle)": {"page": last_page // 2 - 100},
        f"list, page {last_page} (clamped to the last)": {"page": last_page},
        "list, waitlist": {"status": "waitlisted"},
        "list, stewards": {"role": "stewards"},
        "search 'schulz' (a name, ~9%)": {"q": "schulz"},
        "search 'olga.weber.4' (a few)": {"q": "olga.weber.4"},
        "search 'posteo' (half)": {"q": "posteo"},
        "search 'zz' (2 letters: a word starts with)": {"q": "zz"},
        "search 'gr' (2 letters: a word starts with)": {"q": "gr"},
    }
    results = {}
    for name, filters in cases.items():
        if filters.get("role") == "stewards":
            filters = {"role": str(target.roles[0].id)}
        best = float("inf")
        for _ in range(REPEATS):
            clock.spent, clock.statements = 0.0, 0
            page = attendees.attendee_page(session, target, **filters)
            best = min(best, clock.spent)
        results[name] = (best * 1000, clock.statements, page.total)
    best = float("inf")
    for _ in range(REPEATS):
        clock.spent = 0.0
        attendees.totals(session, target)
        best = min(best, clock.spent)
    results["totals (grouped counts)"] = (best * 1000, 1, None)
    return results


def explain(session: Session, target: Event) -> None:
    for q in ("", "schulz", "posteo", "gr"):
        conditions = attendees._filters(target, q, "", "")
        for query in (
            select(func.count()).select_from(Rsvp).where(*conditions),
            select(Rsvp.id).where(*conditions).order_by(Rsvp.created_at, Rsvp.id).limit(50),
        ):
            compiled = query.compile(session.bind, compile_kwargs={"literal_binds": True})
            plan = session.execute(text(f"EXPLAIN ANALYZE {compiled}")).scalars()
            print(f"-- q={q!r}\n" + "\n".join(plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", required=True, help="a PostgreSQL server URL")
    parser.add_argument("--attendees", type=int, default=100_000)
    parser.add_argument("--other", type=int, default=50_000, help="RSVPs of another event")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    args = parser.parse_args()
    server = PostgresServer(args.postgres)
    url = server.create()
    try:
        migrate.upgrade(url)
        engine = create_engine(url)
        clock = SqlClock(engine)
        with Session(engine) as session:
            started = time.perf_counter()
            target = seed(session, args.attendees, args.other)
            if args.explain:
                explain(session, target)
            print(
                f"seeded {args.attendees:,} + {args.other:,} RSVPs in "
                f"{time.perf_counter() - started:.0f} s"
            )
            after = measure(session, clock, target, args.attendees)
            session.rollback()
            for index in NEW_INDEXES:
                session.execute(text(f"DROP INDEX {index}"))
            before = measure(session, clock, target, args.attendees)
            session.rollback()  # the indexes come back
        engine.dispose()
    finally:
        server.drop_all()
    print(f"{'query':42} {'before':>9} {'after':>9} {'ratio':>7}  statements, rows")
    for name, (after_ms, statements, total) in after.items():
        before_ms = before[name][0]
        print(
            f"{name:42} {before_ms:7.1f}ms {after_ms:7.1f}ms {before_ms / after_ms:6.1f}×"
            f"  {statements}, {total if total is not None else ''}"
        )


if __name__ == "__main__":
    main()
