"""What participants are told by email. Each function renders a text and an HTML body from
one context and writes outbox rows in the caller's transaction; the worker sends them."""

from __future__ import annotations

import secrets

from flask import current_app, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, EventChange, Rsvp
from services import outbox
from services.tokens import rsvp_token


def manage_url(rsvp: Rsvp) -> str:
    """The participant's private link to see, change or cancel their RSVP."""
    return current_app.config["BASE_URL"] + url_for(
        "rsvp.manage", token=rsvp_token(rsvp.token_salt)
    )


def event_url(event: Event) -> str:
    return current_app.config["BASE_URL"] + url_for("events.show", slug=event.slug)


def subject(event: Event, text: str) -> str:
    """A subject line; the event's neutral subject replaces its title when one is set."""
    return f"{text}: {event.neutral_subject or event.title}"


def _queue(
    session: Session,
    *,
    kind: str,
    dedupe_key: str,
    event: Event,
    rsvp: Rsvp,
    subject_text: str,
    change: EventChange | None = None,
    **context,
) -> None:
    context.update(event=event, rsvp=rsvp, manage_url=manage_url(rsvp), event_url=event_url(event))
    outbox.enqueue(
        session,
        dedupe_key=dedupe_key,
        kind=kind,
        to_addr=rsvp.email,
        subject=subject(event, subject_text),
        body_text=render_template(f"emails/{kind}.txt", **context),
        body_html=render_template(f"emails/{kind}.html", **context),
        headers={},
        event_id=event.id,
        rsvp_id=rsvp.id,
        change_id=change.id if change else None,
    )


def rsvp_received(session: Session, event: Event, rsvp: Rsvp) -> None:
    """Tell the participant where their RSVP stands (confirmed, waitlisted with position, or
    awaiting approval), with their manage link. Sent on every RSVP form submission."""
    position = None
    if rsvp.status == "waitlisted":
        from services.rsvp import waitlist_position

        position = waitlist_position(session, rsvp)
    _queue(
        session,
        kind="rsvp_received",
        dedupe_key=f"rsvp:{rsvp.id}:{secrets.token_hex(8)}",
        event=event,
        rsvp=rsvp,
        subject_text="Your RSVP",
        position=position,
    )


def rsvp_promoted(session: Session, event: Event, rsvp: Rsvp) -> None:
    """Tell a waitlisted participant that a place freed up and they are now confirmed."""
    _queue(
        session,
        kind="rsvp_promoted",
        dedupe_key=f"promoted:{rsvp.id}:{secrets.token_hex(8)}",
        event=event,
        rsvp=rsvp,
        subject_text="You have a place",
    )


def event_changed(session: Session, event: Event, changes: list[EventChange]) -> None:
    """One notice per confirmed RSVP that wants updates, listing what changed (time, place,
    route, schedule, status). Keyed by revision, so a retried request sends nothing twice."""
    if not changes:
        return
    for rsvp in _recipients(session, event, statuses=("confirmed",)):
        _queue(
            session,
            kind="event_changed",
            dedupe_key=f"change:{event.id}:{event.revision}:{rsvp.id}",
            event=event,
            rsvp=rsvp,
            change=changes[0],
            changes=changes,
            subject_text="Cancelled" if event.status == "cancelled" else "Changed",
        )


def organiser_update(
    session: Session, event: Event, change: EventChange, include_waitlist: bool = False
) -> None:
    """The organisers' own message to everyone confirmed (and optionally the waitlist)."""
    statuses = ("confirmed", "waitlisted") if include_waitlist else ("confirmed",)
    for rsvp in _recipients(session, event, statuses=statuses):
        _queue(
            session,
            kind="organiser_update",
            dedupe_key=f"update:{change.id}:{rsvp.id}",
            event=event,
            rsvp=rsvp,
            change=change,
            subject_text="Update",
        )


def _recipients(session: Session, event: Event, statuses: tuple[str, ...]):
    return session.scalars(
        select(Rsvp)
        .where(
            Rsvp.event_id == event.id,
            Rsvp.status.in_(statuses),
            Rsvp.wants_updates.is_(True),
            Rsvp.email.is_not(None),
        )
        .order_by(Rsvp.id)
        .execution_options(yield_per=500)
    )
