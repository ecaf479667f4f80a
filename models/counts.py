"""What the public pages count and how they know they changed: RSVPs per event, role and
status (``RsvpCount``), and each event's ``page_version``.

Both are kept by one pair of flush listeners on every session, in the transaction of the
change, so no code path can forget them, whichever service (or test factory) changes a row:

- an RSVP inserted, deleted, or changed in status, party size or role moves its counters by
  one RSVP and its party, from the old (role, status) to the new one. The public page reads
  a handful of counter rows instead of grouping every RSVP (50,000 on a big march);
- a change to a row the public page shows (the event, its translations, roles, route,
  waypoints, schedule, change records and march positions) bumps ``events.page_version``,
  which with the counters and the revision is the page's validator
  (``services.events.page.validator``).

Statements that bypass the ORM bypass the listeners too: code that deletes RSVPs with a bulk
statement calls ``move_counts`` itself (``services.rsvp.purge.erase_rsvps``), and
``recount`` rebuilds an event's counters from its RSVPs (the migration's backfill, the
benchmark's bulk seeding).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import (
    Connection,
    ForeignKey,
    Integer,
    String,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base
from models.event import Event, EventChange, EventTextTranslation, EventTranslation
from models.march import MarchPosition
from models.route import AlternativePoint, RoutePlace, RoutePoint, RouteSection, Waypoint
from models.rsvp import Role, Rsvp
from models.schedule import ScheduleItem

NO_ROLE = 0  # ``role_key`` of plain participants (a primary key column cannot be NULL)

# Rows of these tables are shown by the public event page; a change to one bumps the version.
PAGE_MODELS = (
    EventTranslation,
    EventTextTranslation,
    Role,
    RoutePoint,
    RouteSection,
    AlternativePoint,
    RoutePlace,
    Waypoint,
    ScheduleItem,
    EventChange,
    MarchPosition,
)

Key = tuple[int, int, str]  # event_id, role_key, status
_SEAT = ("event_id", "role_id", "status", "party_size")
_BEFORE = "rallypoint.counts.before"
_EVENTS = "rallypoint.counts.events"


class RsvpCount(Base):
    """How many RSVPs (and people, guests included) an event has per role and status."""

    __tablename__ = "rsvp_counts"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    role_key: Mapped[int] = mapped_column(Integer, primary_key=True)  # the role's id, or NO_ROLE
    status: Mapped[str] = mapped_column(String(20), primary_key=True)  # an RsvpStatus
    rsvps: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)


def role_key(role_id: int | None) -> int:
    return NO_ROLE if role_id is None else role_id


def move_counts(connection: Connection, deltas: Mapping[Key, tuple[int, int]]) -> None:
    """Add ``deltas`` ({(event, role_key, status): (rsvps, people)}) to the counters, making
    the rows that do not exist yet. One statement per changed counter."""
    table = RsvpCount.__table__
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[connection.dialect.name]
    for (event_id, role, status), (rsvps, people) in sorted(deltas.items()):
        if not rsvps and not people:
            continue
        statement = dialect.insert(table).values(
            event_id=event_id, role_key=role, status=status, rsvps=rsvps, people=people
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["event_id", "role_key", "status"],
                set_={
                    "rsvps": table.c.rsvps + statement.excluded.rsvps,
                    "people": table.c.people + statement.excluded.people,
                },
            )
        )


def recount(connection: Connection, event_ids: Iterable[int] | None = None) -> None:
    """Rebuild the counters of ``event_ids`` (all events when None) from their RSVPs, with
    one grouped query: for data written past the ORM."""
    table, rsvps = RsvpCount.__table__, Rsvp.__table__
    grouped = select(
        rsvps.c.event_id,
        func.coalesce(rsvps.c.role_id, literal(NO_ROLE)),
        rsvps.c.status,
        func.count(),
        func.sum(rsvps.c.party_size),
    ).group_by(rsvps.c.event_id, rsvps.c.role_id, rsvps.c.status)
    clear = delete(table)
    if event_ids is not None:
        ids = list(event_ids)
        grouped = grouped.where(rsvps.c.event_id.in_(ids))
        clear = clear.where(table.c.event_id.in_(ids))
    connection.execute(clear)
    connection.execute(
        insert(table).from_select(["event_id", "role_key", "status", "rsvps", "people"], grouped)
    )


def _committed(session: Session, rsvp: Rsvp) -> Key | None:
    """The seat ``rsvp`` held at the last flush: (event, role_key, status) and party size."""
    state = inspect(rsvp)
    values = {}
    for name in _SEAT:
        history = state.attrs[name].history
        known = history.deleted or history.unchanged
        if not known:  # set without loading the old value: read what the row still holds
            row = session.connection().execute(
                select(*(Rsvp.__table__.c[n] for n in _SEAT)).where(Rsvp.__table__.c.id == rsvp.id)
            )
            return _seat(*row.one())
        values[name] = known[0]
    return _seat(*(values[name] for name in _SEAT))


def _seat(event_id: int, role_id: int | None, status: str, party_size: int):
    return (event_id, role_key(role_id), status), party_size


def _event_id(session: Session, obj: object) -> int | None:
    if isinstance(obj, Event):
        return obj.id if session.is_modified(obj) else None
    return obj.event_id


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    """Remember the seats RSVPs held and the events whose page is about to change, while
    the rows still hold their old values."""
    # Fresh each flush: what a failed flush left here was rolled back with it.
    before = session.info[_BEFORE] = {}
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, Rsvp) and obj not in before and inspect(obj).has_identity:
            before[obj] = _committed(session, obj)
    changed = session.info[_EVENTS] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Event, *PAGE_MODELS)) and not (
            isinstance(obj, Event) and obj in session.new
        ):
            event_id = _event_id(session, obj)
            if event_id is not None:
                changed.add(event_id)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    """Move the counters from each RSVP's old seat to its new one, and bump the version of
    the pages that changed."""
    before = session.info.pop(_BEFORE, {})
    deltas: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for old in before.values():
        if old is not None:
            key, people = old
            deltas[key][0] -= 1
            deltas[key][1] -= people
    for rsvp in (*before, *(obj for obj in session.new if isinstance(obj, Rsvp))):
        if rsvp in session.deleted or inspect(rsvp).was_deleted:
            continue
        key, people = _seat(*(getattr(rsvp, name) for name in _SEAT))
        deltas[key][0] += 1
        deltas[key][1] += people
    connection = session.connection()
    move_counts(connection, {key: (n, p) for key, (n, p) in deltas.items()})
    changed = session.info.pop(_EVENTS, set())
    if changed:
        events = Event.__table__
        connection.execute(
            update(events)
            .where(events.c.id.in_(sorted(changed)))
            # updated_at stays: it is the organisers' last edit, not the last position.
            .values(page_version=events.c.page_version + 1, updated_at=events.c.updated_at)
        )
