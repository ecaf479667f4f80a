"""RSVPs: placing people as confirmed, waitlisted or awaiting approval, race-safely.

Every function that can change who holds a seat first locks the event row (``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite the transaction already holds the write lock through
``BEGIN IMMEDIATE``), so two RSVPs for the last seat are placed one after the other.

Seats: an event's ``capacity`` and a role's ``needed`` count people (guests included) of
*confirmed* RSVPs. Waitlisted and pending RSVPs hold no seat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from models import Event, Role, Rsvp
from services import tokens
from services.errors import DomainError
from services.mail import notify

CLOSED = "RSVPs are closed for this event."
ACTIVE = ("confirmed", "waitlisted", "pending_approval")


@dataclass(frozen=True)
class Seats:
    """Confirmed people for the event and for one role, not counting one RSVP (the one being
    placed), and whether a party of ``size`` more fits."""

    event_people: int
    role_people: int

    def fits(self, event: Event, role: Role | None, size: int) -> bool:
        if event.capacity is not None and self.event_people + size > event.capacity:
            return False
        return role is None or role.needed is None or self.role_people + size <= role.needed


def lock_event(session: Session, event_id: int) -> Event:
    """The event row, locked until the transaction ends, with fresh column values."""
    return session.scalars(
        select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def closed_reason(event: Event, now: datetime) -> str | None:
    """Why new RSVPs are refused (draft, cancelled, started, past the deadline), or None."""
    if event.status == "cancelled":
        return _("This event was cancelled, so RSVPs are closed.")
    if event.status != "published" or event.starts_at <= now:
        return _("RSVPs are closed for this event.")
    if event.rsvp_deadline_at is not None and event.rsvp_deadline_at <= now:
        return _("The RSVP deadline for this event has passed.")
    return None


def _seats(session: Session, event: Event, role: Role | None, exclude_id: int | None) -> Seats:
    role_match = Rsvp.role_id == role.id if role is not None else Rsvp.role_id.is_(None)
    conditions = [Rsvp.event_id == event.id, Rsvp.status == "confirmed"]
    if exclude_id is not None:
        conditions.append(Rsvp.id != exclude_id)
    event_people, role_people = session.execute(
        select(
            func.coalesce(func.sum(Rsvp.party_size), 0),
            func.coalesce(func.sum(case((role_match, Rsvp.party_size), else_=0)), 0),
        ).where(*conditions)
    ).one()
    return Seats(int(event_people), int(role_people))


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


def place(session: Session, event: Event, rsvp: Rsvp, role: Role | None, now: datetime) -> None:
    """Set the status of ``rsvp`` (new or changed): approval first, then a seat, else the
    waitlist. A place on the waitlist keeps its original time."""
    if role is not None and role.needs_approval:
        rsvp.status, rsvp.waitlisted_at = "pending_approval", None
    elif _seats(session, event, role, rsvp.id).fits(event, role, rsvp.party_size):
        rsvp.status, rsvp.waitlisted_at = "confirmed", None
    else:
        if rsvp.status != "waitlisted" or rsvp.waitlisted_at is None:
            rsvp.waitlisted_at = now
        rsvp.status = "waitlisted"


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
    (its manage token stays the same). Returns the RSVP, flushed, with its new status.

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
    was_seated = rsvp is not None and rsvp.status == "confirmed"
    if rsvp is None:
        salt = tokens.new_salt()
        rsvp = Rsvp(
            event_id=event.id,
            email=email,
            status="new",
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
    keeps_seat = rsvp.status == "confirmed" and not (role is not None and role.needs_approval)
    if keeps_seat and (changed_role or party_size > rsvp.party_size):
        seats = _seats(session, event, role, rsvp.id)
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


def cancel_rsvp(session: Session, rsvp: Rsvp, now: datetime) -> list[Rsvp]:
    """Cancel the RSVP (idempotent) and promote the waitlist into the freed seats.
    Returns the RSVPs promoted."""
    event = lock_event(session, rsvp.event_id)
    rsvp.status, rsvp.waitlisted_at = "cancelled", None
    session.flush()
    return promote_waitlist(session, event, now)


def approve(session: Session, event: Event, rsvp: Rsvp, now: datetime) -> Rsvp:
    """The organiser accepts a role request: the RSVP takes a seat if one is free, else it
    joins the waitlist. Raises ``DomainError`` if the RSVP does not await approval."""
    event = lock_event(session, event.id)
    _check_pending(event, rsvp)
    fits = _seats(session, event, rsvp.role, rsvp.id).fits(event, rsvp.role, rsvp.party_size)
    rsvp.status, rsvp.waitlisted_at = ("confirmed", None) if fits else ("waitlisted", now)
    session.flush()
    return rsvp


def decline(session: Session, event: Event, rsvp: Rsvp) -> Rsvp:
    """The organiser turns a role request down. Raises ``DomainError`` if it is not pending."""
    lock_event(session, event.id)
    _check_pending(event, rsvp)
    rsvp.status = "declined"
    session.flush()
    return rsvp


def _check_pending(event: Event, rsvp: Rsvp) -> None:
    if rsvp.event_id != event.id or rsvp.status != "pending_approval":
        raise DomainError(_("That request was already answered."))


def remove(session: Session, event: Event, rsvp: Rsvp, now: datetime) -> list[Rsvp]:
    """The organiser deletes an RSVP (spam, a known provocateur): the row goes, its mail is
    dropped and erased, and the waitlist is promoted. Returns the RSVPs promoted."""
    from services.rsvp.purge import erase_outbox

    event = lock_event(session, event.id)
    if rsvp.event_id != event.id:
        raise DomainError(_("That RSVP is not one of this event's."))
    erase_outbox(session, [rsvp.id])
    session.delete(rsvp)
    session.flush()
    return promote_waitlist(session, event, now)


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
    if event.status != "published" or event.starts_at <= now:
        return []
    confirmed = dict(
        session.execute(
            select(Rsvp.role_id, func.sum(Rsvp.party_size))
            .where(Rsvp.event_id == event.id, Rsvp.status == "confirmed")
            .group_by(Rsvp.role_id)
        ).all()
    )
    total = sum(int(n) for n in confirmed.values())
    roles = {role.id: role for role in event.roles}
    promoted = []
    waiting = session.scalars(
        select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status == "waitlisted")
        .order_by(Rsvp.waitlisted_at, Rsvp.id)
    ).all()
    for rsvp in waiting:
        if event.capacity is not None and total >= event.capacity:
            break
        role = roles.get(rsvp.role_id)
        seats = Seats(total, int(confirmed.get(rsvp.role_id) or 0))
        if seats.fits(event, role, rsvp.party_size):
            rsvp.status, rsvp.waitlisted_at = "confirmed", None
            total += rsvp.party_size
            confirmed[rsvp.role_id] = seats.role_people + rsvp.party_size
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
            Rsvp.status == "waitlisted",
            or_(
                Rsvp.waitlisted_at < rsvp.waitlisted_at,
                and_(Rsvp.waitlisted_at == rsvp.waitlisted_at, Rsvp.id < rsvp.id),
            ),
        )
    )
    return int(ahead) + 1


def rsvp_by_token(session: Session, token: str) -> Rsvp | None:
    """The RSVP whose manage link carries ``token``; None for a malformed, unknown or purged
    token, so that every such link gets the same 404."""
    if not tokens.is_well_formed(token):
        return None
    return session.scalar(
        select(Rsvp).where(
            Rsvp.token_hash == tokens.token_hash(token), Rsvp.purged_at.is_(None)
        )
    )
