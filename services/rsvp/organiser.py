"""What organisers do to one RSVP: approve or decline a role request, remove it.

Approval queues the participant's "where your RSVP stands" email itself; removal promotes the
waitlist, which queues theirs.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Event, Rsvp
from models.enums import RsvpStatus
from services.errors import DomainError
from services.rsvp.purge import erase_outbox
from services.rsvp.seats import lock_event, promote_waitlist, seats_taken, tell_where_it_stands


def approve(session: Session, event: Event, rsvp: Rsvp, now: datetime) -> Rsvp:
    """The organiser accepts a role request: the RSVP takes a seat if one is free, else it
    joins the waitlist; either way the participant is emailed where it stands. Raises
    ``DomainError`` if the RSVP does not await approval."""
    event = lock_event(session, event.id)
    _check_pending(event, rsvp)
    fits = seats_taken(session, event, rsvp.role, rsvp.id).fits(event, rsvp.role, rsvp.party_size)
    if fits:
        rsvp.status, rsvp.waitlisted_at = RsvpStatus.CONFIRMED, None
    else:
        rsvp.status, rsvp.waitlisted_at = RsvpStatus.WAITLISTED, now
    session.flush()
    tell_where_it_stands(session, event, rsvp, now)
    return rsvp


def decline(session: Session, event: Event, rsvp: Rsvp) -> Rsvp:
    """The organiser turns a role request down. Raises ``DomainError`` if it is not pending."""
    lock_event(session, event.id)
    _check_pending(event, rsvp)
    rsvp.status = RsvpStatus.DECLINED
    session.flush()
    return rsvp


def remove(session: Session, event: Event, rsvp: Rsvp, now: datetime) -> list[Rsvp]:
    """The organiser deletes an RSVP (spam, a known provocateur): the row goes, its mail is
    dropped and erased, and the waitlist is promoted. Returns the RSVPs promoted."""
    event = lock_event(session, event.id)
    if rsvp.event_id != event.id:
        raise DomainError(_("That RSVP is not one of this event's."))
    erase_outbox(session, [rsvp.id])
    session.delete(rsvp)
    session.flush()
    return promote_waitlist(session, event, now)


def _check_pending(event: Event, rsvp: Rsvp) -> None:
    if rsvp.event_id != event.id or rsvp.status != RsvpStatus.PENDING_APPROVAL:
        raise DomainError(_("That request was already answered."))
