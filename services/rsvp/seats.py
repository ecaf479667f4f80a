"""Seats and the waitlist: who holds a place, race-safely, and who moves up when one frees.

Every function that can change who holds a seat first locks the event row (``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite the transaction already holds the write lock through
``BEGIN IMMEDIATE``), so two RSVPs for the last seat are placed one after the other.

Seats: an event's ``capacity`` and a role's ``needed`` count people (guests included) of
*confirmed* RSVPs. Waitlisted and pending RSVPs hold no seat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from models import Event, Role, Rsvp
from models.enums import EventStatus, RsvpStatus
from services.mail import notify

ACTIVE = (RsvpStatus.CONFIRMED, RsvpStatus.WAITLISTED, RsvpStatus.PENDING_APPROVAL)


@dataclass(frozen=True)
class Seats:
    """Confirmed people for the event and volunteers for one role, not counting one RSVP (the
    one being placed), and whether a party of ``size`` more fits. A role counts volunteers,
    one per RSVP: a steward's guests come as participants and take event places only."""

    event_people: int
    role_volunteers: int

    def fits(self, event: Event, role: Role | None, size: int) -> bool:
        if event.capacity is not None and self.event_people + size > event.capacity:
            return False
        return role is None or role.needed is None or self.role_volunteers < role.needed


def lock_event(session: Session, event_id: int) -> Event:
    """The event row, locked until the transaction ends, with fresh column values."""
    return session.scalars(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


class Opening(Protocol):
    """What says whether an event takes RSVPs: an ``Event``, or a page's validator."""

    status: str
    starts_at: datetime
    rsvp_deadline_at: datetime | None


def closed_reason(event: Opening, now: datetime) -> str | None:
    """Why new RSVPs are refused (draft, cancelled, started, past the deadline), or None."""
    if event.status == EventStatus.CANCELLED:
        return _("This event was cancelled, so RSVPs are closed.")
    if event.status != EventStatus.PUBLISHED or event.starts_at <= now:
        return _("RSVPs are closed for this event.")
    if event.rsvp_deadline_at is not None and event.rsvp_deadline_at <= now:
        return _("The RSVP deadline for this event has passed.")
    return None


def seats_taken(session: Session, event: Event, role: Role | None, exclude_id: int | None) -> Seats:
    """The confirmed people of the event and volunteers of ``role`` (None: plain
    participants), not counting the RSVP ``exclude_id``. One query."""
    role_match = Rsvp.role_id == role.id if role is not None else Rsvp.role_id.is_(None)
    conditions = [Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED]
    if exclude_id is not None:
        conditions.append(Rsvp.id != exclude_id)
    event_people, role_volunteers = session.execute(
        select(
            func.coalesce(func.sum(Rsvp.party_size), 0),
            func.coalesce(func.sum(case((role_match, 1), else_=0)), 0),
        ).where(*conditions)
    ).one()
    return Seats(int(event_people), int(role_volunteers))


def place(session: Session, event: Event, rsvp: Rsvp, role: Role | None, now: datetime) -> None:
    """Set the status of ``rsvp`` (new or changed): approval first, then a seat, else the
    waitlist. A place on the waitlist keeps its original time."""
    if role is not None and role.needs_approval:
        rsvp.status, rsvp.waitlisted_at = RsvpStatus.PENDING_APPROVAL, None
    elif seats_taken(session, event, role, rsvp.id).fits(event, role, rsvp.party_size):
        rsvp.status, rsvp.waitlisted_at = RsvpStatus.CONFIRMED, None
    else:
        if rsvp.status != RsvpStatus.WAITLISTED or rsvp.waitlisted_at is None:
            rsvp.waitlisted_at = now
        rsvp.status = RsvpStatus.WAITLISTED


def promote_waitlist(session: Session, event: Event, now: datetime) -> list[Rsvp]:
    """Confirm waitlisted RSVPs in ``waitlisted_at`` order while seats allow, and queue a
    "you have a place" email for each. Call it whenever seats may have been freed: a
    cancellation, a smaller party, a larger event capacity or role ``needed``.

    First-that-fits, as the issue asks: a party of 3 with 2 free seats is passed over by a
    later party of 2 (it keeps its place at the head of the queue for the next seats). Strict
    FIFO would leave seats empty while people wait. Nothing is promoted once the event is
    cancelled or has started. Returns the promoted RSVPs.
    """
    event = lock_event(session, event.id)
    if event.status != EventStatus.PUBLISHED or event.starts_at <= now:
        return []
    rows = session.execute(
        select(Rsvp.role_id, func.count(), func.sum(Rsvp.party_size))
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.CONFIRMED)
        .group_by(Rsvp.role_id)
    ).all()
    volunteers = {role_id: int(count) for role_id, count, _people in rows}
    total = sum(int(people) for _role_id, _count, people in rows)
    roles = {role.id: role for role in event.roles}
    promoted = []
    waiting = session.scalars(
        select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.WAITLISTED)
        .order_by(Rsvp.waitlisted_at, Rsvp.id)
    ).all()
    for rsvp in waiting:
        if event.capacity is not None and total >= event.capacity:
            break
        role = roles.get(rsvp.role_id)
        seats = Seats(total, volunteers.get(rsvp.role_id, 0))
        if seats.fits(event, role, rsvp.party_size):
            rsvp.status, rsvp.waitlisted_at = RsvpStatus.CONFIRMED, None
            total += rsvp.party_size
            volunteers[rsvp.role_id] = seats.role_volunteers + 1
            promoted.append(rsvp)
    session.flush()
    for rsvp in promoted:
        notify.rsvp_promoted(session, event, rsvp, now)
    return promoted


def waitlist_position(session: Session, rsvp: Rsvp) -> int:
    """1 for the head of the event's waitlist. Only meaningful for a waitlisted RSVP."""
    ahead = session.scalar(
        select(func.count())
        .select_from(Rsvp)
        .where(
            Rsvp.event_id == rsvp.event_id,
            Rsvp.status == RsvpStatus.WAITLISTED,
            or_(
                Rsvp.waitlisted_at < rsvp.waitlisted_at,
                and_(Rsvp.waitlisted_at == rsvp.waitlisted_at, Rsvp.id < rsvp.id),
            ),
        )
    )
    return int(ahead) + 1


def tell_where_it_stands(session: Session, event: Event, rsvp: Rsvp, now: datetime) -> None:
    """Queue the "where your RSVP stands" email (confirmed, waitlisted at #n, or awaiting
    approval). The waitlist position is counted here and handed to ``notify``, so that the
    mail package never reads RSVP rules."""
    position = waitlist_position(session, rsvp) if rsvp.status == RsvpStatus.WAITLISTED else None
    notify.rsvp_received(session, event, rsvp, now, position=position)
