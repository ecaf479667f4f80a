"""What a participant does with their RSVP: send it, change it, cancel it, open it by its link.

Each action queues the mail it causes (through ``seats``), so every entry point (the form,
the CLI, an API) sends the same notices.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, Role, Rsvp
from models.enums import RsvpStatus
from services import tokens
from services.errors import DomainError
from services.rsvp.seats import (
    ACTIVE,
    Seats,
    closed_reason,
    lock_event,
    place,
    promote_waitlist,
    seats_taken,
    tell_where_it_stands,
)

# The status of an RSVP row until ``place`` decides it, within the same flush; never committed.
_UNPLACED = "new"


def submit_rsvp(
    session: Session,
    event: Event,
    *,
    email: str,
    name: str | None,
    party_size: int,
    role_id: int | None,
    wants_reminders: bool,
    language: str,
    now: datetime,
) -> Rsvp:
    """RSVP from the public form; an email that already has an RSVP for the event updates it
    (its manage token stays the same). Queues the email that tells where the RSVP stands
    (and the "you have a place" emails of anyone promoted into seats it freed). Returns the
    RSVP, flushed, with its new status.

    Raises ``DomainError`` when RSVPs are closed, the party size is outside 1..max party
    size (field ``party_size``) or the role is not one of the event's (field ``role_id``).
    """
    event = lock_event(session, event.id)
    reason = closed_reason(event, now)
    if reason:
        raise DomainError(reason)
    _check_party(event, party_size)
    role = _role(session, event, role_id)
    email = email.strip().lower()
    rsvp = session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.email == email))
    was_seated = rsvp is not None and rsvp.status == RsvpStatus.CONFIRMED
    if rsvp is None:
        salt = tokens.new_salt()
        rsvp = Rsvp(
            event_id=event.id,
            email=email,
            status=_UNPLACED,
            token_salt=salt,
            token_hash=tokens.token_hash(tokens.rsvp_token(salt)),
            created_at=now,
        )
        session.add(rsvp)
    elif rsvp.status not in ACTIVE:
        rsvp.waitlisted_at = None  # a cancelled RSVP that comes back queues anew
    rsvp.name = (name or "").strip() or None
    rsvp.party_size = party_size
    rsvp.role_id = role.id if role else None
    rsvp.role = role
    rsvp.wants_reminders = wants_reminders
    rsvp.language = language
    place(session, event, rsvp, role, now)
    session.flush()
    if was_seated:
        promote_waitlist(session, event, now)  # a smaller party or another role frees seats
    tell_where_it_stands(session, event, rsvp, now)
    return rsvp


def update_rsvp(
    session: Session,
    rsvp: Rsvp,
    *,
    party_size: int,
    role_id: int | None,
    name: str | None,
    wants_reminders: bool,
    now: datetime,
) -> Rsvp:
    """The participant's change from their manage page. A confirmed RSVP never loses its seat
    by a change that does not fit: the change is refused instead. Flushes; promotes the
    waitlist when seats were freed.

    Raises ``DomainError`` for a cancelled or declined RSVP, a party size outside the limits
    (``party_size``), an unknown role (``role_id``), or a change that does not fit.
    """
    event = lock_event(session, rsvp.event_id)
    if rsvp.status not in ACTIVE:
        raise DomainError(_("This RSVP is no longer active. RSVP again on the event page."))
    _check_party(event, party_size)
    role = _role(session, event, role_id)
    changed_role = (role.id if role else None) != rsvp.role_id
    keeps_seat = rsvp.status == RsvpStatus.CONFIRMED and not (
        role is not None and role.needs_approval
    )
    if keeps_seat and (changed_role or party_size > rsvp.party_size):
        seats = seats_taken(session, event, role, rsvp.id)
        if not seats.fits(event, role, party_size):
            field = "role_id" if changed_role else "party_size"
            raise DomainError(_no_room(event, role, seats), field)
    rsvp.name = (name or "").strip() or None
    rsvp.wants_reminders = wants_reminders
    rsvp.party_size = party_size
    rsvp.role_id, rsvp.role = (role.id if role else None), role
    if changed_role and not keeps_seat:
        place(session, event, rsvp, role, now)
    # A waitlisted party that shrank waits for promote_waitlist, which keeps the queue order.
    session.flush()
    promote_waitlist(session, event, now)
    return rsvp


def cancel_rsvp(session: Session, rsvp: Rsvp, now: datetime) -> list[Rsvp]:
    """Cancel the RSVP (idempotent) and promote the waitlist into the freed seats, which
    queues their "you have a place" emails. Returns the RSVPs promoted."""
    event = lock_event(session, rsvp.event_id)
    rsvp.status, rsvp.waitlisted_at = RsvpStatus.CANCELLED, None
    session.flush()
    return promote_waitlist(session, event, now)


def rsvp_by_token(session: Session, token: str) -> Rsvp | None:
    """The RSVP whose manage link carries ``token``; None for a malformed, unknown or purged
    token, so that every such link gets the same 404."""
    if not tokens.is_well_formed(token):
        return None
    return session.scalar(
        select(Rsvp).where(Rsvp.token_hash == tokens.token_hash(token), Rsvp.purged_at.is_(None))
    )


def _role(session: Session, event: Event, role_id: int | None) -> Role | None:
    if not role_id:
        return None
    role = session.get(Role, role_id)
    if role is None or role.event_id != event.id:
        raise DomainError(_("Choose one of the roles listed."), "role_id")
    return role


def _check_party(event: Event, party_size: int) -> None:
    if not 1 <= party_size <= event.max_party_size:
        raise DomainError(
            _("Enter a number from 1 to %(most)d.", most=event.max_party_size), "party_size"
        )


def _no_room(event: Event, role: Role | None, seats: Seats) -> str:
    free = [] if event.capacity is None else [event.capacity - seats.event_people]
    if role is not None and role.needed is not None:
        free.append(role.needed - seats.role_people)
    left = max(0, min(free)) if free else 0
    if left < 1:
        return _("There is no free place for this change. Your RSVP stays as it was.")
    return _(
        "There is room for at most %(left)d in your party now. Choose %(left)d or fewer.",
        left=left,
    )
