"""What participants must hear about: a published event's time, place, route, schedule or
status changed. ``snapshot`` before a save, ``record`` after it; ``compare``
(``services.events.snapshots``, pure) finds the differences, as data
(``services.events.change_text`` words them per reader).

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
from models.enums import ChangeKind, EventStatus, Language
from models.fanout import FanoutKind, FanoutStatus
from services.events.change_text import describe_facts
from services.events.snapshots import Found, Snapshot, compare, snapshot
from services.mail import notify
from services.times import to_local


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
