"""Whether this instance can serve (the database answers, its schema is this code's), and when
a mail worker last showed signs of life: what ``/healthz`` reports.

Top-level: the health route and the worker both use it; it imports only models and core.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core import migrate
from models import WorkerHeartbeat

# Rows of workers not seen for this long are deleted by the worker's daily purge.
HEARTBEAT_KEPT = timedelta(days=1)


class Migrations(StrEnum):
    HEAD = "head"  # the database has exactly this code's migrations
    BEHIND = "behind"  # some are not applied yet: `flask db upgrade`
    AHEAD = "ahead"  # the database was migrated by newer code (the code was rolled back)
    UNKNOWN = "unknown"  # the database did not answer


class WorkerState(StrEnum):
    OK = "ok"
    STALE = "stale"  # no heartbeat within the allowed silence: stopped or stuck
    MISSING = "missing"  # no worker has ever beaten (or none for a day)
    UNKNOWN = "unknown"  # the database did not answer, or its schema is not this code's


@dataclass(frozen=True)
class Report:
    database_ok: bool
    migrations: Migrations
    worker: WorkerState
    worker_seen_at: datetime | None = None
    worker_age_seconds: int | None = None

    @property
    def ok(self) -> bool:
        """Fit to serve requests. The worker is left out on purpose: the web can start before
        any worker does, and a worker outage delays mail, not pages."""
        return self.database_ok and self.migrations is Migrations.HEAD

    def as_dict(self) -> dict:
        """The JSON body of ``/healthz``: states and times only, nothing about people, hosts
        or errors (the endpoint is public)."""
        seen_at = self.worker_seen_at
        return {
            "status": "ok" if self.ok else "unavailable",
            "database": "ok" if self.database_ok else "unavailable",
            "migrations": self.migrations.value,
            "worker": {
                "status": self.worker.value,
                "last_seen_at": seen_at.isoformat(timespec="seconds") if seen_at else None,
                "age_seconds": self.worker_age_seconds,
            },
        }


def check(session: Session, *, now: datetime, worker_stale_after: timedelta) -> Report:
    """Ask the database whether it answers and which migrations it has, and read the newest
    worker heartbeat (only when the schema is this code's, so the table is known to exist).

    Never raises for a database error: that is what it reports. Reads only.
    """
    try:
        current = frozenset(MigrationContext.configure(session.connection()).get_current_heads())
        migrations = _compare(current)
        if migrations is not Migrations.HEAD:
            return Report(database_ok=True, migrations=migrations, worker=WorkerState.UNKNOWN)
        seen_at = session.scalar(
            select(WorkerHeartbeat.seen_at).order_by(WorkerHeartbeat.seen_at.desc()).limit(1)
        )
    except SQLAlchemyError:
        session.rollback()
        return Report(database_ok=False, migrations=Migrations.UNKNOWN, worker=WorkerState.UNKNOWN)
    if seen_at is None:
        return Report(database_ok=True, migrations=migrations, worker=WorkerState.MISSING)
    # Clocks of two hosts differ a little: a heartbeat "from the future" is a fresh one.
    age = max(timedelta(0), now - seen_at)
    return Report(
        database_ok=True,
        migrations=migrations,
        worker=WorkerState.OK if age <= worker_stale_after else WorkerState.STALE,
        worker_seen_at=seen_at,
        worker_age_seconds=int(age.total_seconds()),
    )


def _compare(current: frozenset[str]) -> Migrations:
    heads, known = _code_revisions()
    if current == heads:
        return Migrations.HEAD
    if current - known:
        return Migrations.AHEAD
    return Migrations.BEHIND


@functools.cache
def _code_revisions() -> tuple[frozenset[str], frozenset[str]]:
    # The migration files do not change while a process runs: read them once, not per probe.
    script = ScriptDirectory.from_config(migrate.alembic_config(""))
    known = frozenset(revision.revision for revision in script.walk_revisions())
    return frozenset(script.get_heads()), known


def record_heartbeat(session: Session, *, worker: str, now: datetime) -> None:
    """Note that ``worker`` (``"host:pid"``) is alive at ``now``: one row per worker, updated
    in place by a single upsert, so workers in threads or processes never collide."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(WorkerHeartbeat).values(worker=worker, seen_at=now)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[WorkerHeartbeat.worker], set_={"seen_at": statement.excluded.seen_at}
        )
    )


def forget_old_heartbeats(session: Session, *, now: datetime) -> int:
    """Delete the rows of workers not seen for ``HEARTBEAT_KEPT`` (restarts leave one row
    each); returns how many."""
    result = session.execute(
        delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - HEARTBEAT_KEPT)
    )
    return result.rowcount
