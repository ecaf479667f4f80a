"""Who is coming, as the public and the organisers see it, and the roles organisers set.

Every count here is one grouped query, so pages cost the same for 10 or 10,000 RSVPs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Event, Role, Rsvp
from models.enums import RsvpStatus
from services.errors import DomainError
from services.rsvp import seats as rsvps

PER_PAGE = 50
SEARCH_ANYWHERE = 3  # characters from which a search matches anywhere in a name or email
# Unconfirmed RSVPs are counted (``Totals.unconfirmed``) but never listed or exported: their
# address is unproven (anyone can type anyone's), and they count nowhere until confirmed.
PARTICIPANT = "Participant"  # English, as stored nowhere: shown through _() below
STATUS_LABELS = {
    RsvpStatus.CONFIRMED: _l("Confirmed"),
    RsvpStatus.WAITLISTED: _l("Waitlist"),
    RsvpStatus.PENDING_APPROVAL: _l("Awaits approval"),
    RsvpStatus.DECLINED: _l("Declined"),
    RsvpStatus.CANCELLED: _l("Cancelled"),
}


@dataclass
class RoleLine:
    """One role (``role`` None: plain participants) with its people per status."""

    role: Role | None
    # Confirmed: for a role its volunteers (one per RSVP), for plain participants everyone
    # else, the volunteers' guests included.
    people: int = 0
    waitlist: int = 0  # RSVPs
    pending: int = 0  # RSVPs
    label: str | None = None  # the role's name in the reader's language, if not as written

    @property
    def name(self) -> str:
        if self.role is None:
            return _("Participant")
        return self.label or self.role.name

    @property
    def needed(self) -> int | None:
        return self.role.needed if self.role else None

    @property
    def is_full(self) -> bool:
        return self.needed is not None and self.people >= self.needed


@dataclass
class Totals:
    rsvps: int = 0  # active: confirmed, waitlisted or awaiting approval
    people: int = 0  # confirmed people, guests included
    waitlist: int = 0
    waitlist_people: int = 0
    pending: int = 0
    unconfirmed: int = 0  # RSVPs sent but not confirmed from the email: in no count above
    roles: list[RoleLine] = field(default_factory=list)

    def line(self, role_id: int | None) -> RoleLine | None:
        return next((x for x in self.roles if (x.role.id if x.role else None) == role_id), None)


def totals(session: Session, event: Event) -> Totals:
    """Counts per status and role for ``event``: two queries (roles, grouped RSVPs)."""
    result = Totals(roles=[RoleLine(None)] + [RoleLine(role) for role in event.roles])
    rows = session.execute(
        select(Rsvp.role_id, Rsvp.status, func.count(), func.sum(Rsvp.party_size))
        .where(Rsvp.event_id == event.id)
        .group_by(Rsvp.role_id, Rsvp.status)
    )
    for role_id, status, count, people in rows:
        line = result.line(role_id) or result.line(None)
        if status in rsvps.ACTIVE:
            result.rsvps += count
        if status == RsvpStatus.CONFIRMED:
            result.people += int(people)
            if line.role is None:
                line.people += int(people)
            else:  # the volunteers; the guests they bring come as participants
                line.people += count
                result.line(None).people += int(people) - count
        elif status == RsvpStatus.WAITLISTED:
            result.waitlist += count
            result.waitlist_people += int(people)
            line.waitlist += count
        elif status == RsvpStatus.PENDING_APPROVAL:
            result.pending += count
            line.pending += count
        elif status == RsvpStatus.UNCONFIRMED:
            result.unconfirmed += count
    return result


@dataclass
class Page:
    rsvps: list[Rsvp]
    total: int
    number: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


def _filters(event: Event, q: str, status: str, role: str) -> list:
    conditions = [Rsvp.event_id == event.id]
    if status in STATUS_LABELS:
        conditions.append(Rsvp.status == status)
    else:
        conditions.append(Rsvp.status.in_(rsvps.ACTIVE))
    if role == "participant":
        conditions.append(Rsvp.role_id.is_(None))
    elif role.isdigit():
        conditions.append(Rsvp.role_id == int(role))
    q = q.strip()
    if q:
        conditions.append(or_(*(_matches(column, q) for column in (Rsvp.email, Rsvp.name))))
    return conditions


def _matches(column, q: str):
    """``column`` contains ``q``; for one or two characters, a word of it starts with ``q``
    (trigram indexes find three letters anywhere, but shorter ones only at a word's start,
    and "li" anywhere would match half of all names anyway)."""
    text = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if len(q) >= SEARCH_ANYWHERE:
        return column.ilike(f"%{text}%", escape="\\")
    return or_(column.ilike(f"{text}%", escape="\\"), column.ilike(f"% {text}%", escape="\\"))


def attendee_page(
    session: Session, event: Event, *, q: str = "", status: str = "", role: str = "", page: int = 1
) -> Page:
    """One page (``PER_PAGE`` rows, oldest first) of the RSVPs matching a search (name or
    email contains ``q``; starts with it, for one or two characters), a ``status``
    (default: the active ones) and a ``role`` ("participant" or a role id). Two queries,
    whatever the number of RSVPs."""
    conditions = _filters(event, q, status, role)
    total = session.scalar(select(func.count()).select_from(Rsvp).where(*conditions)) or 0
    page = max(1, min(page, -(-total // PER_PAGE) or 1))
    start = (page - 1) * PER_PAGE
    if start <= total // 2:
        rows = session.scalars(
            select(Rsvp)
            .where(*conditions)
            .order_by(Rsvp.created_at, Rsvp.id)
            .limit(PER_PAGE)
            .offset(start)
        ).all()
    else:
        # The later pages are read from the newest end, so no page skips more than half
        # of the list (an OFFSET still walks every row it skips).
        end = min(start + PER_PAGE, total)
        rows = session.scalars(
            select(Rsvp)
            .where(*conditions)
            .order_by(Rsvp.created_at.desc(), Rsvp.id.desc())
            .limit(end - start)
            .offset(total - end)
        ).all()[::-1]
    return Page(list(rows), total, page)


def export_rows(session: Session, event_id: int) -> Iterator[tuple]:
    """Every RSVP of the event as (name, email, people, role, status, reminders, RSVP time),
    fetched 500 at a time so an export never holds every row in memory. Unconfirmed RSVPs
    are left out: nobody has confirmed that their address is theirs."""
    result = session.execute(
        select(
            Rsvp.name,
            Rsvp.email,
            Rsvp.party_size,
            func.coalesce(Role.name, _("Participant")),
            Rsvp.status,
            Rsvp.wants_reminders,
            Rsvp.created_at,
        )
        .outerjoin(Role, Role.id == Rsvp.role_id)
        .where(Rsvp.event_id == event_id, Rsvp.status != RsvpStatus.UNCONFIRMED)
        .order_by(Rsvp.created_at, Rsvp.id)
        .execution_options(yield_per=500)
    )
    yield from result


# --- roles -------------------------------------------------------------------------------


def _check_role(event: Event, name: str, needed: int | None, role: Role | None) -> str:
    name = name.strip()
    if name.lower() in {PARTICIPANT.lower(), _("Participant").lower()}:
        raise DomainError(
            _("Everyone without a role is a participant; choose another name."), "name"
        )
    for other in event.roles:
        if other is not role and other.name.lower() == name.lower():
            raise DomainError(_("This event already has a role with that name."), "name")
    if needed is not None and needed < 1:
        raise DomainError(_("Enter 1 or more, or leave it empty for no limit."), "needed")
    return name


def add_role(
    session: Session, event: Event, *, name: str, needed: int | None, needs_approval: bool
) -> Role:
    """A new role for ``event``, listed after the others. Raises ``DomainError`` for a
    duplicate or reserved name (``name``) or a number below 1 (``needed``)."""
    name = _check_role(event, name, needed, None)
    role = Role(
        event_id=event.id,
        seq=max((r.seq for r in event.roles), default=0) + 1,
        name=name,
        needed=needed,
        needs_approval=needs_approval,
    )
    event.roles.append(role)
    session.flush()
    return role


def update_role(
    session: Session,
    event: Event,
    role: Role,
    *,
    name: str,
    needed: int | None,
    needs_approval: bool,
    now: datetime,
) -> Role:
    """Rename or resize a role; more places promote its waitlist. Lowering ``needed`` below
    the confirmed count removes nobody. Raises ``DomainError`` like ``add_role``."""
    rsvps.lock_event(session, event.id)
    role.name = _check_role(event, name, needed, role)
    role.needed, role.needs_approval = needed, needs_approval
    session.flush()
    rsvps.promote_waitlist(session, event, now)
    return role


def delete_role(session: Session, event: Event, role: Role, now: datetime) -> None:
    """Remove a role; its people become participants (requests awaiting approval are placed
    as participants), and the waitlist is promoted."""
    rsvps.lock_event(session, event.id)
    members = session.scalars(select(Rsvp).where(Rsvp.role_id == role.id)).all()
    for member in members:
        member.role_id, member.role = None, None
        if member.status == RsvpStatus.PENDING_APPROVAL:
            rsvps.place(session, event, member, None, now)
    event.roles.remove(role)
    session.flush()
    rsvps.promote_waitlist(session, event, now)


def role_of(event: Event, role_id: int) -> Role | None:
    return next((role for role in event.roles if role.id == role_id), None)
