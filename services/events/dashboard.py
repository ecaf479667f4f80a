"""The organiser's dashboard: each of their demonstrations with its numbers and the one thing
to do next, grouped by where it stands at ``now``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Event, EventOrganiser, RsvpCount
from models.enums import EventStatus, RsvpStatus

ON_THE_DAY = timedelta(hours=24)  # from then on, the march's own tools come first


class NextStep(StrEnum):
    ROUTE = "route"  # a draft without a route
    PUBLISH = "publish"  # a draft ready to check and publish
    APPROVE = "approve"  # people wait for the organisers' approval
    SHARE = "share"  # published: spread the link
    ON_THE_DAY = "on_the_day"  # within a day of the start, or under way: position, stewards
    ERASE = "erase"  # over, and participants' details are still kept


@dataclass
class EventLine:
    event: Event
    coming: int = 0  # confirmed people, guests included
    waitlisted: int = 0  # RSVPs
    pending: int = 0  # RSVPs awaiting approval
    kept: int = 0  # RSVPs of any status whose details are still stored
    next_step: NextStep | None = None


GROUPS = (EventStatus.DRAFT, "upcoming", "past", EventStatus.CANCELLED)


def organiser_events(session: Session, user_id: int, now: datetime) -> dict[str, list[EventLine]]:
    """The events ``user_id`` organises, per group (draft, upcoming, past, cancelled; the most
    recent past first), with their counts read from the counters in one query."""
    events = session.scalars(
        select(Event)
        .join(EventOrganiser)
        .where(EventOrganiser.user_id == user_id)
        .order_by(Event.starts_at)
    ).all()
    lines = {event.id: EventLine(event) for event in events}
    if lines:
        counts = session.execute(
            select(
                RsvpCount.event_id,
                RsvpCount.status,
                func.sum(RsvpCount.rsvps),
                func.sum(RsvpCount.people),
            )
            .where(RsvpCount.event_id.in_(lines))
            .group_by(RsvpCount.event_id, RsvpCount.status)
        )
        for event_id, status, rsvps, people in counts:
            line = lines[event_id]
            line.kept += int(rsvps)
            if status == RsvpStatus.CONFIRMED:
                line.coming = int(people)
            elif status == RsvpStatus.WAITLISTED:
                line.waitlisted = int(rsvps)
            elif status == RsvpStatus.PENDING_APPROVAL:
                line.pending = int(rsvps)
    groups: dict[str, list[EventLine]] = {group: [] for group in GROUPS}
    for line in lines.values():
        event = line.event
        if event.status == EventStatus.PUBLISHED:
            group = "upcoming" if event.ends_at >= now else "past"
        else:
            group = event.status
        line.next_step = _next_step(line, group, now)
        groups[group].append(line)
    groups["past"].reverse()
    return groups


def _next_step(line: EventLine, group: str, now: datetime) -> NextStep | None:
    event = line.event
    if group == EventStatus.DRAFT:
        return NextStep.PUBLISH if event.route_length_m else NextStep.ROUTE
    if group == "upcoming":
        if line.pending:
            return NextStep.APPROVE
        return NextStep.ON_THE_DAY if event.starts_at - now <= ON_THE_DAY else NextStep.SHARE
    if group == "past" and line.kept:
        return NextStep.ERASE
    return None
