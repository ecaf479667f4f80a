"""Checking volunteers in on the day: the code each confirmed role RSVP carries, what a
steward's scan or typed code does, the search by name, and the organisers' counts per role.

A code is derived from the RSVP's salt (``tokens.checkin_code``), never stored, so a lookup
derives the code of each confirmed volunteer of the event and compares: a few thousand HMACs
at most, bounded by the event's roles. An unknown code and a code already used get the same
answer shape (``CheckInResult.is_checked_in`` False); only the words differ, and those go to
the steward's page alone. Check-ins are personal data: they go with their RSVP (cascade) and
with the participants' details at purge (``purge``).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import CheckIn, Event, Role, Rsvp
from models.enums import RsvpStatus
from services import tokens
from services.errors import DomainError
from services.texts import in_locale
from services.times import format_time

# A check-in queued offline is stamped with the phone's time, within reason: no later than
# the server's clock and no earlier than this before it.
QUEUED_FOR_AT_MOST = timedelta(hours=24)
SEARCH_RESULTS = 10


@dataclass(frozen=True)
class CheckInResult:
    """What a steward's page shows after a code or a name: the same fields whatever happened."""

    is_checked_in: bool
    message: str


@dataclass(frozen=True)
class RoleCheckIns:
    name: str
    needed: int | None
    confirmed: int
    checked_in: int


def code_for(rsvp: Rsvp) -> str | None:
    """The check-in code of ``rsvp`` as people read it ("K7Q-4MZ-X2PA"), or None when it has
    none: only a confirmed RSVP for a role (a volunteer) is checked in."""
    if rsvp.status != RsvpStatus.CONFIRMED or rsvp.role_id is None:
        return None
    return tokens.grouped_checkin_code(tokens.checkin_code(rsvp.token_salt))


def _volunteers(event: Event):
    return select(Rsvp).where(
        Rsvp.event_id == event.id,
        Rsvp.status == RsvpStatus.CONFIRMED,
        Rsvp.role_id.is_not(None),
    )


def check_in_code(
    session: Session,
    event: Event,
    typed: str,
    *,
    steward_link_id: int | None,
    now: datetime,
    at: datetime | None = None,
) -> CheckInResult:
    """Check in the volunteer of ``event`` whose code is ``typed`` (case, spaces and dashes
    ignored), at ``at`` (a check-in queued on a phone) or ``now``. Flushes.

    Raises ``DomainError`` (field ``code``) when ``typed`` cannot be a code at all. An
    unknown code and one already used both answer ``is_checked_in=False``."""
    code = tokens.normalise_checkin_code(typed or "")
    if code is None:
        raise DomainError(
            _("A check-in code has 10 letters and digits, like K7Q-4MZ-X2PA."), "code"
        )
    found = None
    for rsvp_id, salt in session.execute(
        _volunteers(event).with_only_columns(Rsvp.id, Rsvp.token_salt)
    ):
        if hmac.compare_digest(tokens.checkin_code(salt), code):
            found = rsvp_id
    if found is None:
        return CheckInResult(False, _("No volunteer of this demonstration has that code."))
    return _check_in(session, event, session.get(Rsvp, found), steward_link_id, now, at)


def check_in_rsvp(
    session: Session,
    event: Event,
    rsvp_id: int,
    *,
    steward_link_id: int | None,
    now: datetime,
) -> CheckInResult:
    """Check in a volunteer found by name (``search``). A row that is not a confirmed
    volunteer of ``event`` answers like an unknown code. Flushes."""
    rsvp = session.scalar(_volunteers(event).where(Rsvp.id == rsvp_id))
    if rsvp is None:
        return CheckInResult(False, _("No volunteer of this demonstration has that code."))
    return _check_in(session, event, rsvp, steward_link_id, now, None)


def _check_in(
    session: Session,
    event: Event,
    rsvp: Rsvp,
    steward_link_id: int | None,
    now: datetime,
    at: datetime | None,
) -> CheckInResult:
    earlier = session.scalar(select(CheckIn).where(CheckIn.rsvp_id == rsvp.id))
    if earlier is None:
        when = at if at is not None and now - QUEUED_FOR_AT_MOST <= at <= now else now
        try:
            # Two stewards scanning one code at once: the unique RSVP decides, the second
            # hears "already checked in".
            with session.begin_nested():
                session.add(
                    CheckIn(
                        rsvp_id=rsvp.id,
                        event_id=event.id,
                        steward_link_id=steward_link_id,
                        checked_in_at=when,
                    )
                )
        except IntegrityError:
            earlier = session.scalar(select(CheckIn).where(CheckIn.rsvp_id == rsvp.id))
    if earlier is not None:
        return CheckInResult(
            False,
            _(
                "Already checked in at %(time)s.",
                time=format_time(earlier.checked_in_at, event.timezone),
            ),
        )
    role = in_locale(event).role(rsvp.role.name) if rsvp.role else ""
    return CheckInResult(
        True,
        _("Checked in: %(name)s, %(role)s.", name=rsvp.name or _("no name given"), role=role),
    )


def search(session: Session, event: Event, text: str) -> list[dict]:
    """Confirmed volunteers of ``event`` whose name contains ``text`` (two characters at
    least; case ignored), at most ``SEARCH_RESULTS``: id, name, role and whether they are
    checked in. For a steward's page only."""
    text = text.strip().lower()
    if len(text) < 2:
        return []
    texts = in_locale(event)
    rows = session.execute(
        _volunteers(event)
        .with_only_columns(Rsvp.id, Rsvp.name, Role.name, CheckIn.id)
        .join(Role, Role.id == Rsvp.role_id)
        .outerjoin(CheckIn, CheckIn.rsvp_id == Rsvp.id)
        .where(Rsvp.name.is_not(None))
        .order_by(Rsvp.name, Rsvp.id)
    )
    found = []
    for rsvp_id, name, role, check_in in rows:
        if text in name.lower():
            found.append(
                {"id": rsvp_id, "name": name, "role": texts.role(role), "done": bool(check_in)}
            )
            if len(found) == SEARCH_RESULTS:
                break
    return found


def day_view(session: Session, event: Event) -> list[RoleCheckIns]:
    """Per role of ``event``: people needed, confirmed volunteers, and those checked in. Two
    grouped queries."""
    confirmed = dict(
        session.execute(
            _volunteers(event).with_only_columns(Rsvp.role_id, func.count()).group_by(Rsvp.role_id)
        ).all()
    )
    checked = dict(
        session.execute(
            select(Rsvp.role_id, func.count())
            .join(CheckIn, CheckIn.rsvp_id == Rsvp.id)
            .where(Rsvp.event_id == event.id, Rsvp.role_id.is_not(None))
            .group_by(Rsvp.role_id)
        ).all()
    )
    roles = session.scalars(
        select(Role).where(Role.event_id == event.id).order_by(Role.seq, Role.id)
    )
    return [
        RoleCheckIns(role.name, role.needed, confirmed.get(role.id, 0), checked.get(role.id, 0))
        for role in roles
    ]
