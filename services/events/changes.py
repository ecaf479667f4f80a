"""What participants must hear about: a published event's time, place, route, schedule or
status changed. ``snapshot`` before a save, ``record`` after it; ``compare`` is the pure part
that finds the differences, as data (``services.events.change_text`` words them per reader).

A change is shown on the page at once, but its notice waits ``CHANGE_NOTICE_DELAY`` after the
organisers' last edit: one pending ``FanoutJob`` per event keeps the event as participants
knew it before the first edit (``FanoutJob.base``). Each further edit is compared with that,
so the notice (and the page) says the net change once, and an edit back to it removes the
records and the notice: nobody is told about a change that did not happen. A cancellation is
told at once and replaces a pending change notice (its records stay on the page). The
organisers' own updates are sent at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, EventChange, FanoutJob
from models.enums import ChangeKind, EventStatus, Language, WaypointKind
from models.fanout import FanoutKind, FanoutStatus
from models.route import assembly_waypoint
from services.events.change_text import describe_facts
from services.mail import notify
from services.times import to_local

Spot = tuple[str, float, float]  # label, lat, lon


@dataclass(frozen=True)
class Snapshot:
    """The participant-relevant state of an event at one moment."""

    status: str
    cancel_reason: str | None
    starts_at: datetime
    ends_at: datetime
    timezone: str
    city: str
    assembly: Spot | None
    points: tuple[tuple[float, float], ...]
    waypoints: tuple[tuple[str, str, float, float], ...]  # kind, label, lat, lon
    route_length_m: int
    end_label: str | None
    schedule: tuple[tuple[int, datetime, str, str | None], ...]  # id, start, title, waypoint

    def to_json(self) -> dict:
        """The snapshot as JSON-safe data (instants as ISO 8601), for ``FanoutJob.base``."""
        return {
            "status": self.status,
            "cancel_reason": self.cancel_reason,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "timezone": self.timezone,
            "city": self.city,
            "assembly": list(self.assembly) if self.assembly else None,
            "points": [list(p) for p in self.points],
            "waypoints": [list(w) for w in self.waypoints],
            "route_length_m": self.route_length_m,
            "end_label": self.end_label,
            "schedule": [
                [i, at.isoformat(), title, place] for i, at, title, place in self.schedule
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> Snapshot:
        return cls(
            status=data["status"],
            cancel_reason=data["cancel_reason"],
            starts_at=datetime.fromisoformat(data["starts_at"]),
            ends_at=datetime.fromisoformat(data["ends_at"]),
            timezone=data["timezone"],
            city=data["city"],
            assembly=tuple(data["assembly"]) if data["assembly"] else None,
            points=tuple(tuple(p) for p in data["points"]),
            waypoints=tuple(tuple(w) for w in data["waypoints"]),
            route_length_m=data["route_length_m"],
            end_label=data["end_label"],
            schedule=tuple(
                (i, datetime.fromisoformat(at), title, place)
                for i, at, title, place in data["schedule"]
            ),
        )


def snapshot(event: Event) -> Snapshot:
    """The event as participants see it now (loads its route and schedule)."""
    waypoints = list(event.waypoints)
    assembly = assembly_waypoint(waypoints)
    end = next((w for w in reversed(waypoints) if w.kind == WaypointKind.END), None)
    labels = {w.id: w.label for w in waypoints}
    return Snapshot(
        status=event.status,
        cancel_reason=event.cancel_reason,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        city=event.city,
        assembly=(assembly.label, assembly.lat, assembly.lon) if assembly else None,
        points=tuple((p.lat, p.lon) for p in event.route_points),
        waypoints=tuple((w.kind, w.label, w.lat, w.lon) for w in waypoints),
        route_length_m=event.route_length_m,
        end_label=(end or waypoints[-1]).label if waypoints else None,
        schedule=tuple(
            (i.id, i.starts_at, i.title, labels.get(i.waypoint_id))
            for i in sorted(event.schedule_items, key=lambda i: (i.starts_at, i.id or 0))
        ),
    )


def _wall(instant: datetime, tz: str) -> tuple:
    """What a reader sees of an instant: its day and minute in the zone."""
    local = to_local(instant, tz)
    return local.date(), local.hour, local.minute


def _moved(what: str, old: datetime, old_tz: str, new: datetime, new_tz: str) -> dict | None:
    if _wall(old, old_tz) == _wall(new, new_tz):
        return None
    return {
        "what": what,
        "old": old.isoformat(),
        "old_tz": old_tz,
        "new": new.isoformat(),
        "tz": new_tz,
    }


Found = list[tuple[str, list[dict]]]


def compare(old: Snapshot, new: Snapshot) -> Found:
    """(kind, facts) for each kind of change from ``old`` to ``new``, in the order time,
    place, route, schedule, status. The facts are JSON-safe data (``EventChange.data``),
    worded by ``change_text.describe_facts``."""
    found: Found = []
    times = [
        _moved("start", old.starts_at, old.timezone, new.starts_at, new.timezone),
        _moved("end", old.ends_at, old.timezone, new.ends_at, new.timezone),
    ]
    if any(times):
        found.append((ChangeKind.TIME, [t for t in times if t]))

    places: list[dict] = []
    if old.city != new.city:
        places.append({"what": "city", "old": old.city, "new": new.city})
    if old.assembly != new.assembly:
        places.append(
            {
                "what": "assembly",
                "old": old.assembly[0] if old.assembly else None,
                "new": new.assembly[0] if new.assembly else None,
            }
        )
    if places:
        found.append((ChangeKind.PLACE, places))

    if old.points != new.points or old.waypoints != new.waypoints:
        if not new.points:
            found.append((ChangeKind.ROUTE, [{"what": "route_removed"}]))
        else:
            fact = {"what": "route", "length_m": new.route_length_m, "end": new.end_label}
            found.append((ChangeKind.ROUTE, [fact]))

    if parts := _schedule_parts(old, new):
        found.append(
            (ChangeKind.SCHEDULE, [{"what": "schedule", "tz": new.timezone, "parts": parts}])
        )

    if old.status != EventStatus.CANCELLED and new.status == EventStatus.CANCELLED:
        found.append((ChangeKind.STATUS, [{"what": "cancelled", "reason": new.cancel_reason}]))
    return found


def _schedule_parts(old: Snapshot, new: Snapshot) -> list[dict]:
    tz = new.timezone
    before = {item[0]: item for item in old.schedule}
    after = {item[0]: item for item in new.schedule}
    parts: list[dict] = []
    for item_id, (_id, at, title, place) in after.items():
        if item_id not in before:
            parts.append({"part": "added", "item": item_id, "at": at.isoformat(), "title": title})
            continue
        _id, old_at, old_title, old_place = before[item_id]
        if _wall(old_at, tz) != _wall(at, tz):
            parts.append(
                {
                    "part": "moved",
                    "item": item_id,
                    "title": title,
                    "old": old_at.isoformat(),
                    "new": at.isoformat(),
                }
            )
        if old_title != title:
            parts.append(
                {
                    "part": "renamed",
                    "item": item_id,
                    "at": at.isoformat(),
                    "old": old_title,
                    "new": title,
                }
            )
        if old_place != place:
            parts.append(
                {
                    "part": "place",
                    "item": item_id,
                    "at": at.isoformat(),
                    "title": title,
                    "place": place,
                }
            )
    parts.extend(
        {"part": "removed", "item": item_id, "at": at.isoformat(), "title": title}
        for item_id, (_id, at, title, _place) in before.items()
        if item_id not in after
    )
    return parts


def notice_delay() -> timedelta:
    """How long a change notice waits for further edits (``CHANGE_NOTICE_DELAY``)."""
    return timedelta(seconds=int(current_app.config["CHANGE_NOTICE_DELAY"]))


def pending_notice(session: Session, event_id: int, *, lock: bool = False) -> FanoutJob | None:
    """The event's change notice that waits and that no worker has begun (nothing rendered,
    nobody counted), or None. ``lock``: held until the caller's transaction ends (PostgreSQL;
    a worker skips a locked job, and one that began it first makes this wait and then find
    it begun)."""
    query = select(FanoutJob).where(
        FanoutJob.event_id == event_id,
        FanoutJob.kind == FanoutKind.CHANGED,
        FanoutJob.status == FanoutStatus.PENDING,
        FanoutJob.total.is_(None),
        FanoutJob.base.is_not(None),
    )
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query.order_by(FanoutJob.id.desc()).limit(1)).first()


def record(session: Session, event: Event, before: Snapshot, now: datetime) -> list[EventChange]:
    """If ``event`` was published at ``before`` and something participants see changed,
    store one ``EventChange`` per kind of change, bump the revision and queue the notice
    (one fan-out job, whatever the number of participants: the worker writes the emails).

    A change notice waits ``CHANGE_NOTICE_DELAY`` from this edit. If one is already waiting,
    this edit joins it: its records are replaced by those of the net change since the state
    before its first edit, or removed with the notice when that net change is nothing. A
    cancellation is told at once and drops a waiting change notice. Drafts record nothing.
    Returns the records this edit left (none after an edit back)."""
    if before.status != EventStatus.PUBLISHED:
        return []
    after = snapshot(event)
    if not compare(before, after):
        return []
    event.revision += 1
    pending = pending_notice(session, event.id, lock=True)
    if after.status == EventStatus.CANCELLED:
        if pending is not None:
            session.delete(pending)  # participants hear the cancellation, not the edits
        rows = _store(session, event, compare(before, after), now)
        notify.event_changed(session, event, rows, now)
    elif pending is None:
        rows = _store(session, event, compare(before, after), now)
        notify.event_changed(
            session, event, rows, now, run_after=now + notice_delay(), base=before.to_json()
        )
    else:
        superseded = _rows_of(session, pending)
        rows = _store(session, event, compare(Snapshot.from_json(pending.base), after), now)
        if rows:
            pending.key = notify.change_key(event, rows)
            pending.change_id = rows[0].id
            pending.run_after = now + notice_delay()
        else:
            session.delete(pending)
        session.flush()  # the job no longer points at the rows it covered: they can go
        for row in superseded:
            session.delete(row)
        session.flush()
    # The relationship is ordered newest first; without this a page rendered in the same
    # session would show the list as it was before.
    session.expire(event, ["changes"])
    return rows


def _store(session: Session, event: Event, found: Found, now: datetime) -> list[EventChange]:
    rows = [
        EventChange(
            event_id=event.id,
            revision=event.revision,
            kind=kind,
            data=facts,
            # The English wording, for anything that reads the text without a reader's
            # language (exports, an older page still cached); readers get ``describe``.
            summary=_english(kind, facts, now),
            created_at=now,
        )
        for kind, facts in found
    ]
    session.add_all(rows)
    session.flush()
    return rows


def _english(kind: str, facts: list[dict], now: datetime) -> str:
    with force_locale(Language.EN):
        return describe_facts(kind, facts, now=now)


def _rows_of(session: Session, job: FanoutJob) -> list[EventChange]:
    """The change records a job tells of: those of its change's revision."""
    first = session.get(EventChange, job.change_id)
    return list(
        session.scalars(
            select(EventChange).where(
                EventChange.event_id == job.event_id,
                EventChange.revision == first.revision,
                EventChange.is_update.is_(False),
            )
        )
    )


def send_now(session: Session, event: Event, now: datetime) -> bool:
    """Let the waiting change notice of ``event`` go at ``now`` instead of at the end of its
    grace period (the worker expands it in its next round). Returns whether one waited."""
    pending = pending_notice(session, event.id, lock=True)
    if pending is None:
        return False
    pending.run_after = min(pending.run_after, now)
    session.flush()
    return True


@dataclass(frozen=True)
class NoticeState:
    """What the organisers see of the latest change notice: waiting until ``at`` (with the
    records it will tell of), or being sent / sent at ``at``; ``zone`` names the event's
    time zone at ``at`` ("CET")."""

    state: str  # "waiting", "sending" or "sent"
    at: datetime
    zone: str
    changes: list[EventChange]


def notice_state(session: Session, event: Event, now: datetime) -> NoticeState | None:
    """The latest change or cancellation notice of ``event`` as the overview shows it, or
    None if there never was one."""
    job = session.scalars(
        select(FanoutJob)
        .where(
            FanoutJob.event_id == event.id,
            FanoutJob.kind.in_((FanoutKind.CHANGED, FanoutKind.CANCELLED)),
        )
        .order_by(FanoutJob.id.desc())
        .limit(1)
    ).first()
    if job is None:
        return None
    rows = sorted(_rows_of(session, job), key=lambda c: c.id)
    if job.status == FanoutStatus.DONE:
        state, at = "sent", job.finished_at or job.run_after
    elif job.run_after > now and job.total is None:
        state, at = "waiting", job.run_after
    else:
        state, at = "sending", job.run_after
    return NoticeState(state, at, to_local(at, event.timezone).tzname() or "", rows)


def post_update(
    session: Session, event: Event, message: str, *, include_waitlist: bool, now: datetime
) -> EventChange:
    """The organisers' own message: shown in the event page's updates and emailed to everyone
    confirmed (and the waitlist if asked) by the worker, from one fan-out job, at once.
    Flushes."""
    change = EventChange(
        event_id=event.id,
        revision=event.revision,
        created_at=now,
        kind=ChangeKind.UPDATE,
        summary=message.strip(),
        is_update=True,
    )
    session.add(change)
    session.flush()
    session.expire(event, ["changes"])
    notify.organiser_update(session, event, change, now, include_waitlist=include_waitlist)
    return change
