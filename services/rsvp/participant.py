"""What a participant does with their RSVP: send it, confirm it from the email, change it,
cancel it, send it again after cancelling, open it by its link.

Each action queues the mail it causes (through ``seats`` and ``services.mail``), so every
entry point (the form, the CLI, an API) sends the same notices.

An RSVP is the participant's alone: the public form only ever creates one. An address that
already has an RSVP changes nothing by sending the form again; its owner is emailed the
private link instead. A new RSVP counts only once confirmed from the email (double opt-in):
until then it holds no seat and shows in no count, and after ``RSVP_CONFIRM_HOURS`` it is
erased (``purge.expire_unconfirmed``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, Role, Rsvp
from models.enums import RsvpStatus
from services import tokens
from services.errors import DomainError
from services.mail import notify
from services.rsvp.purge import erase_rsvps
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

# What a participant may send again from their manage page after it stopped counting.
ENDED = (RsvpStatus.CANCELLED, RsvpStatus.DECLINED)


def confirm_hours() -> int:
    """How long a confirm link works (``RSVP_CONFIRM_HOURS``)."""
    return int(current_app.config["RSVP_CONFIRM_HOURS"])


def confirm_expires_at(rsvp: Rsvp) -> datetime:
    return rsvp.created_at + timedelta(hours=confirm_hours())


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
    """RSVP from the public form, for a new address or a known one alike: exactly one email
    is queued, and nothing the public can see (counts, seats, the answer) moves.

    - A new address gets an ``unconfirmed`` RSVP and an email with its confirm link. It
      holds no seat until ``confirm_rsvp``.
    - An address that already has an RSVP for the event changes nothing: its owner is
      emailed their private manage link ("you already replied; change it here"), or the
      confirm link again while the RSVP is unconfirmed. Whoever sent the form learns
      nothing, and cannot change, cancel or revive another person's RSVP.

    Returns the RSVP (the new one, or the existing one unchanged), flushed.

    Raises ``DomainError`` when RSVPs are closed, the party size is outside 1..max party
    size (field ``party_size``) or the role is not one of the event's (field ``role_id``):
    all checked before the address is looked up, so no answer depends on it.
    """
    event = lock_event(session, event.id)  # also one submission of an address at a time
    reason = closed_reason(event, now)
    if reason:
        raise DomainError(reason)
    _check_party(event, party_size)
    role = _role(session, event, role_id)
    email = tokens.normalise_email(email)
    known = session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.email == email))
    if known is not None and _expired(known, now):
        erase_rsvps(session, [known.id])  # the worker had not got to it yet
        known = None
    if known is not None:
        if known.status == RsvpStatus.UNCONFIRMED:
            notify.rsvp_confirm(session, event, known, now, hours=confirm_hours())
        else:
            notify.rsvp_exists(session, event, known, now)
        return known
    salt = tokens.new_salt()
    rsvp = Rsvp(
        event_id=event.id,
        email=email,
        name=(name or "").strip() or None,
        party_size=party_size,
        role_id=role.id if role else None,
        wants_reminders=wants_reminders,
        language=language,
        status=RsvpStatus.UNCONFIRMED,
        token_salt=salt,
        token_hash=tokens.token_hash(tokens.rsvp_token(salt)),
        confirm_hash=tokens.token_hash(tokens.confirm_token(salt)),
        created_at=now,
    )
    session.add(rsvp)
    session.flush()
    notify.rsvp_confirm(session, event, rsvp, now, hours=confirm_hours())
    return rsvp


def confirm_rsvp(session: Session, rsvp: Rsvp, now: datetime) -> Rsvp:
    """The participant confirms their new RSVP from the email: it is placed now (a seat,
    the waitlist, or the organisers' approval) under the event's lock, like any placing,
    and they are emailed where it stands. The confirm link stops working. Idempotent: an
    RSVP confirmed meanwhile (a second tap) is returned as it is.

    Raises ``DomainError`` when the link has expired or RSVPs have closed since.
    """
    event = lock_event(session, rsvp.event_id)
    session.refresh(rsvp)  # another tap may have confirmed it while we waited for the lock
    if rsvp.status != RsvpStatus.UNCONFIRMED:
        return rsvp
    if _expired(rsvp, now):
        raise DomainError(_("This link has expired. RSVP again on the event page."))
    reason = closed_reason(event, now)
    if reason:
        raise DomainError(reason)
    rsvp.confirm_hash = None
    place(session, event, rsvp, rsvp.role, now)
    session.flush()
    tell_where_it_stands(session, event, rsvp, now)
    return rsvp


def rsvp_again(
    session: Session,
    rsvp: Rsvp,
    *,
    party_size: int,
    role_id: int | None,
    name: str | None,
    wants_reminders: bool,
    now: datetime,
) -> Rsvp:
    """A cancelled or declined RSVP comes back, from its manage page (the public form no
    longer revives an RSVP): placed anew at the end of the queue, and emailed where it
    stands.

    Raises ``DomainError`` when the RSVP still counts, RSVPs are closed, or the party size
    (``party_size``) or role (``role_id``) is refused.
    """
    event = lock_event(session, rsvp.event_id)
    if rsvp.status not in ENDED:
        raise DomainError(_("This RSVP still counts: change it below."))
    reason = closed_reason(event, now)
    if reason:
        raise DomainError(reason)
    _check_party(event, party_size)
    role = _role(session, event, role_id)
    rsvp.name = (name or "").strip() or None
    rsvp.wants_reminders = wants_reminders
    rsvp.party_size = party_size
    rsvp.role_id, rsvp.role = (role.id if role else None), role
    rsvp.waitlisted_at = None
    place(session, event, rsvp, role, now)
    session.flush()
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
    token, or an RSVP not confirmed yet (nobody was sent that link), so that every such link
    gets the same 404."""
    if not tokens.is_well_formed(token):
        return None
    return session.scalar(
        select(Rsvp).where(
            Rsvp.token_hash == tokens.token_hash(token),
            Rsvp.status != RsvpStatus.UNCONFIRMED,
            Rsvp.purged_at.is_(None),
        )
    )


def rsvp_by_confirm_token(session: Session, token: str) -> Rsvp | None:
    """The unconfirmed RSVP whose confirm link carries ``token``; None for any other token
    (a manage or unsubscribe token among them) or an RSVP confirmed already."""
    if not tokens.is_well_formed(token):
        return None
    return session.scalar(
        select(Rsvp).where(
            Rsvp.confirm_hash == tokens.token_hash(token),
            Rsvp.status == RsvpStatus.UNCONFIRMED,
            Rsvp.purged_at.is_(None),
        )
    )


def _expired(rsvp: Rsvp, now: datetime) -> bool:
    return rsvp.status == RsvpStatus.UNCONFIRMED and confirm_expires_at(rsvp) <= now


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
    if role is not None and role.needed is not None and seats.role_volunteers >= role.needed:
        free.append(0)  # the role is full; its guests would not have counted towards it
    left = max(0, min(free)) if free else 0
    if left < 1:
        return _("There is no free place for this change. Your RSVP stays as it was.")
    return _(
        "There is room for at most %(left)d in your party now. Choose %(left)d or fewer.",
        left=left,
    )
