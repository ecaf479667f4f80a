"""An event's team: the owner invites co-organisers by email, and removes them; a
co-organiser can leave.

An invitation goes to an address, whether or not an account has it, and the owner hears the
same either way. Only the verified account with exactly that address can accept it, logged
in, by a POST: an account registered for someone else's address is never handed access. The
link's token is random (256 bits) and only its hash is stored; it works for
``INVITATION_DAYS`` and once (accepting deletes it). The owner sees pending invitations and
can revoke them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import Event, EventInvitation, EventOrganiser, User
from services import tokens
from services.accounts import normalise_email
from services.errors import DomainError
from services.mail import outbox
from services.urls import absolute_url

INVITATION_DAYS = 7


@dataclass
class Member:
    user_id: int
    display_name: str
    email: str
    is_owner: bool


def team(session: Session, event: Event) -> list[Member]:
    """The event's organisers, the owner first."""
    rows = session.execute(
        select(User.id, User.display_name, User.email, EventOrganiser.is_owner)
        .join(EventOrganiser, EventOrganiser.user_id == User.id)
        .where(EventOrganiser.event_id == event.id)
        .order_by(EventOrganiser.is_owner.desc(), User.display_name)
    ).all()
    return [Member(*row) for row in rows]


def invite(session: Session, event: Event, *, email: str, inviter: User, now: datetime) -> None:
    """Email ``email`` a link to organise ``event`` with ``inviter``; a pending invitation
    to the same address is replaced. Raises ``DomainError`` on ``email`` when that address
    organises the event already (the owner sees the team's addresses anyway)."""
    email = normalise_email(email)
    if any(m.email == email for m in team(session, event)):
        raise DomainError(_("That address already organises this demonstration."), "email")
    session.execute(
        delete(EventInvitation).where(
            EventInvitation.event_id == event.id, EventInvitation.email == email
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        EventInvitation(
            event_id=event.id,
            email=email,
            token_hash=tokens.token_hash(token),
            invited_by_id=inviter.id,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
    )
    context = {
        "event": event,
        "inviter": inviter.display_name,
        "accept_url": absolute_url("organise.invitation", token=token),
        "signup_url": absolute_url("auth.signup"),
        "days": INVITATION_DAYS,
    }
    outbox.enqueue(
        session,
        now=now,
        dedupe_key=f"invitation:{event.id}:{secrets.token_hex(8)}",
        kind="invitation_organise",
        to_addr=email,
        # No title in the subject: an inbox list should not name the demonstration.
        subject=_("An invitation to organise a demonstration on Rallypoint"),
        body_text=render_template("emails/invitation_organise.txt", **context),
        body_html=render_template("emails/invitation_organise.html", **context),
        headers={},
        event_id=event.id,
    )
    session.flush()


def pending_invitations(session: Session, event: Event) -> list[EventInvitation]:
    """The event's invitations not yet accepted or revoked (expired ones too), newest first."""
    return list(
        session.scalars(
            select(EventInvitation)
            .where(EventInvitation.event_id == event.id)
            .order_by(EventInvitation.created_at.desc(), EventInvitation.id.desc())
        )
    )


def revoke_invitation(session: Session, event: Event, invitation_id: int) -> None:
    """Delete the event's invitation ``invitation_id``: its link stops working. Raises
    ``DomainError`` when there is no such invitation (accepted or revoked already)."""
    deleted = session.execute(
        delete(EventInvitation).where(
            EventInvitation.id == invitation_id, EventInvitation.event_id == event.id
        )
    ).rowcount
    if not deleted:
        raise DomainError(_("That invitation was accepted or withdrawn already."))
    session.flush()


def invitation_for_token(session: Session, token: str, now: datetime) -> EventInvitation | None:
    """The invitation whose link holds ``token``, if it has not expired at ``now``."""
    if not tokens.is_well_formed(token):
        return None
    invitation = session.scalar(
        select(EventInvitation).where(EventInvitation.token_hash == tokens.token_hash(token))
    )
    if invitation is None or invitation.expires_at <= now:
        return None
    return invitation


def may_accept(invitation: EventInvitation, user: User) -> bool:
    """Only the verified account with the invited address may accept."""
    return user.is_verified and secrets.compare_digest(user.email, invitation.email)


def accept(session: Session, token: str, user: User, now: datetime) -> Event:
    """Make ``user`` a co-organiser of the invited event and use up the invitation. Raises
    ``DomainError`` when the link does not work (expired, used, withdrawn) or ``user`` may
    not accept it (``may_accept``); then nothing changes."""
    invitation = invitation_for_token(session, token, now)
    if invitation is None:
        raise DomainError(_("This invitation no longer works. Ask the organiser for a new one."))
    if not may_accept(invitation, user):
        raise DomainError(
            _(
                "This invitation is for another address than your account's. Log in with the "
                "account of the invited address, or ask the organiser to invite this one."
            )
        )
    event = session.get(Event, invitation.event_id)
    if not any(o.user_id == user.id for o in event.organisers):
        event.organisers.append(EventOrganiser(user_id=user.id, is_owner=False))
    session.delete(invitation)
    session.flush()
    return event


def remove_organiser(session: Session, event: Event, user_id: int) -> None:
    """Take ``user_id``'s access to ``event`` away (the owner's choice). Raises
    ``DomainError`` for the owner, or someone who does not organise it."""
    membership = next((o for o in event.organisers if o.user_id == user_id), None)
    if membership is None or membership.is_owner:
        raise DomainError(_("Only co-organisers can be removed."))
    event.organisers.remove(membership)
    session.flush()


def leave(session: Session, event: Event, user_id: int) -> None:
    """``user_id`` stops organising ``event``. Raises ``DomainError`` for the owner, who
    cannot leave their own demonstration."""
    membership = next((o for o in event.organisers if o.user_id == user_id), None)
    if membership is None or membership.is_owner:
        raise DomainError(_("The owner cannot leave their own demonstration."))
    event.organisers.remove(membership)
    session.flush()
