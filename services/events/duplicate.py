"""Copying a demonstration to another date: next week's march from this week's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from models import Event, EventOrganiser, Role, ScheduleItem
from models.enums import EventStatus
from services.errors import DomainError
from services.events.details import make_slug
from services.events.schedule import event_route, store_route
from services.times import to_local, to_utc


def duplicate(
    session: Session,
    event: Event,
    *,
    owner_id: int,
    weeks: int | None = None,
    new_date: date | None = None,
    organiser_ids: Iterable[int] = (),
) -> Event:
    """A new draft copying details, route, waypoints, schedule and roles, its wall-clock
    times shifted by ``weeks`` or moved to ``new_date`` (the start's day). ``owner_id`` (who
    copies) owns it; of the event's other organisers only those in ``organiser_ids`` come
    along, as co-organisers (ids that do not organise the event are ignored).
    Raises ``DomainError`` (field ``weeks`` or ``new_date``) if neither is usable."""
    start_local = to_local(event.starts_at, event.timezone).replace(tzinfo=None)
    if new_date is not None:
        shift = timedelta(days=(new_date - start_local.date()).days)
    elif weeks:
        shift = timedelta(weeks=weeks)
    else:
        raise DomainError(_("Choose a number of weeks or a new date."), "weeks")

    def moved(instant: datetime, name: str) -> datetime:
        local = to_local(instant, event.timezone).replace(tzinfo=None) + shift
        return to_utc(local, event.timezone, name)

    copy = Event(
        slug=make_slug(session, event.title, event.visibility),
        status=EventStatus.DRAFT,
        revision=0,
        title=event.title,
        description_md=event.description_md,
        starts_at=moved(event.starts_at, "new_date"),
        ends_at=moved(event.ends_at, "new_date"),
        timezone=event.timezone,
        visibility=event.visibility,
        city=event.city,
        contact=event.contact,
        capacity=event.capacity,
        max_party_size=event.max_party_size,
        rsvp_deadline_at=(
            moved(event.rsvp_deadline_at, "new_date") if event.rsvp_deadline_at else None
        ),
        is_count_public=event.is_count_public,
        neutral_subject=event.neutral_subject,
        reminder_offsets=list(event.reminder_offsets),
        route_length_m=event.route_length_m,
    )
    items = [(moved(i.starts_at, "new_date"), i) for i in event.schedule_items]
    chosen = set(organiser_ids) - {owner_id}
    copy.organisers = [EventOrganiser(user_id=owner_id, is_owner=True)] + [
        EventOrganiser(user_id=o.user_id, is_owner=False)
        for o in event.organisers
        if o.user_id in chosen
    ]
    copy.roles = [
        Role(seq=r.seq, name=r.name, needed=r.needed, needs_approval=r.needs_approval)
        for r in event.roles
    ]
    session.add(copy)
    session.flush()
    store_route(session, copy, event_route(event))
    labels = {w.id: w.label for w in event.waypoints}
    new_ids = {w.label: w.id for w in reversed(copy.waypoints)}
    copy.schedule_items = [
        ScheduleItem(
            starts_at=at,
            title=i.title,
            description=i.description,
            waypoint_id=new_ids.get(labels.get(i.waypoint_id, "")),
        )
        for at, i in items
    ]
    session.flush()
    return copy
