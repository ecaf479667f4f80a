"""Who looked at an event's participants: each view and each export of the attendee list,
by which organiser and when, for the event's owner to read.

It lives as long as the event: it is about organisers, not participants, so the purge of
participants' details leaves it (deleting the event deletes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AccessLogEntry, Event, User
from models.enums import AccessKind

SHOWN = 500


@dataclass
class Line:
    at: datetime
    kind: str
    display_name: str | None  # None: the account is gone
    email: str | None


def record(session: Session, *, event_id: int, user_id: int, kind: AccessKind, now: datetime):
    """Note that ``user_id`` did ``kind`` with ``event_id``'s attendee list at ``now``.

    The first statement is the insert: on SQLite a caller may run it in a transaction of its
    own even from a read-only request (a transaction that read first could not write)."""
    session.add(AccessLogEntry(event_id=event_id, user_id=user_id, kind=kind, at=now))
    session.flush()


def entries(session: Session, event: Event) -> list[Line]:
    """The newest ``SHOWN`` lines of ``event``'s access log, newest first."""
    rows = session.execute(
        select(AccessLogEntry.at, AccessLogEntry.kind, User.display_name, User.email)
        .outerjoin(User, User.id == AccessLogEntry.user_id)
        .where(AccessLogEntry.event_id == event.id)
        .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
        .limit(SHOWN)
    ).all()
    return [Line(*row) for row in rows]
