"""The API's answers built from the app's models: the public event (the same data as its
page, from ``services.events.page``), its live state (``services.live.feed``), the organiser's
view of an event (the details form's values) and the attendee list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Event, EventOrganiser, Rsvp
from models.enums import EventStatus, Visibility
from services.api import schemas
from services.events import event_route, finding, format_reminder_offsets
from services.live import feed as live
from services.route import to_geojson
from services.rsvp import attendees
from services.times import to_local

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def listed_events(
    session: Session, query: schemas.ListingQuery, now: datetime
) -> tuple[list[Event], bool]:
    """One page of the listed, published events matching ``query``, soonest first, and
    whether there are more. Not ended by ``query.starts_from`` (default ``now``); as the
    public listing, a search matches the title, a translated title or the city."""
    select_ = select(Event).where(
        Event.status == EventStatus.PUBLISHED,
        Event.visibility == Visibility.LISTED,
        Event.ends_at >= (query.starts_from or now),
    )
    if query.starts_before is not None:
        select_ = select_.where(Event.starts_at < query.starts_before)
    if q := query.q.strip():
        select_ = select_.where(finding.matching(q))
    if city := query.city.strip():
        select_ = select_.where(func.lower(Event.city) == city.lower())
    rows = list(
        session.scalars(
            select_.order_by(Event.starts_at, Event.id)
            .limit(query.per_page + 1)
            .offset((query.page - 1) * query.per_page)
        )
    )
    return rows[: query.per_page], len(rows) > query.per_page


def summary(event: Event, url: str) -> schemas.EventSummary:
    return schemas.EventSummary(
        slug=event.slug,
        url=url,
        title=event.title,
        city=event.city,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        status=event.status,
    )


def event_detail(session: Session, event: Event, url: str) -> schemas.EventDetail:
    """The public event, loaded by ``finding.event_for_page``; counts only where it shows them."""
    labels = {w.id: w.label for w in event.waypoints}
    totals = attendees.totals(session, event)
    shown = event.is_count_public
    return schemas.EventDetail(
        **summary(event, url).model_dump(),
        description_md=event.description_md,
        contact=event.contact,
        cancel_reason=event.cancel_reason if event.status == EventStatus.CANCELLED else None,
        capacity=event.capacity,
        people=totals.people if shown else None,
        revision=event.revision,
        translations=[
            schemas.Translation(language=t.language, title=t.title, description_md=t.description_md)
            for t in event.translations
        ],
        route=to_geojson(event_route(event), event.title),
        route_length_m=event.route_length_m,
        schedule=[
            schemas.ScheduleLine(
                id=item.id,
                starts_at=item.starts_at,
                title=item.title,
                description=item.description,
                waypoint=labels.get(item.waypoint_id),
            )
            for item in event.schedule_items
        ],
        roles=[
            schemas.RoleCount(
                name=line.role.name, needed=line.needed, people=line.people if shown else None
            )
            for line in totals.roles
            if line.role is not None
        ],
    )


def live_state(session: Session, event: Event) -> schemas.LiveState:
    """The event page's live feed (``services.live.feed``) without its display-only parts."""
    data = live.feed_data(session, event)
    return schemas.LiveState(
        revision=data["revision"],
        status=data["status"],
        updates=[
            schemas.Update(
                id=u["id"],
                at=u["at"],
                kind=u["kind"],
                is_update=u["is_update"],
                summary=u["summary"],
            )
            for u in data["updates"]
        ],
        position=data["position"],
        schedule=data["schedule"],
    )


def _local(instant: datetime | None, tz: str) -> str | None:
    return to_local(instant, tz).strftime(LOCAL_FORMAT) if instant else None


def organiser_event(event: Event, *, is_owner: bool, url: str) -> schemas.OrganiserEvent:
    """Everything the organiser pages show of ``event``, times as the details form has them."""
    tz = event.timezone
    return schemas.OrganiserEvent(
        id=event.id,
        slug=event.slug,
        url=url,
        status=event.status,
        is_owner=is_owner,
        title=event.title,
        starts_local=_local(event.starts_at, tz),
        ends_local=_local(event.ends_at, tz),
        timezone=tz,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        city=event.city,
        description_md=event.description_md,
        contact=event.contact,
        visibility=event.visibility,
        capacity=event.capacity,
        max_party_size=event.max_party_size,
        rsvp_deadline_local=_local(event.rsvp_deadline_at, tz),
        is_count_public=event.is_count_public,
        neutral_subject=event.neutral_subject or "",
        reminder_offsets=format_reminder_offsets(event.reminder_offsets),
        cancel_reason=event.cancel_reason,
        revision=event.revision,
        route_length_m=event.route_length_m,
        waypoints=[
            schemas.Waypoint(id=w.id, label=w.label, kind=w.kind, lat=w.lat, lon=w.lon)
            for w in event.waypoints
        ],
        schedule=[
            schemas.ScheduleItemOut(
                id=item.id,
                date=to_local(item.starts_at, tz).date(),
                time=to_local(item.starts_at, tz).strftime("%H:%M"),
                title=item.title,
                description=item.description,
                waypoint_id=item.waypoint_id,
            )
            for item in event.schedule_items
        ],
    )


def organisers_events(
    session: Session, user_id: int, url_for_event: Callable[[Event], str]
) -> schemas.OrganiserEventList:
    """Every event ``user_id`` organises, newest start first."""
    rows = session.execute(
        select(Event, EventOrganiser.is_owner)
        .join(EventOrganiser)
        .where(EventOrganiser.user_id == user_id)
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(500)
    ).all()
    return schemas.OrganiserEventList(
        events=[organiser_event(e, is_owner=owner, url=url_for_event(e)) for e, owner in rows]
    )


def attendee_list(
    session: Session, event: Event, query: schemas.AttendeesQuery
) -> schemas.AttendeeList:
    """One page of the attendee list, as the organisers' attendee page shows it."""
    page = attendees.attendee_page(session, event, status=query.status, page=query.page)
    roles = {r.id: r.name for r in event.roles}
    return schemas.AttendeeList(
        attendees=[_attendee(r, roles) for r in page.rsvps],
        total=page.total,
        page=page.number,
        pages=page.pages,
    )


def _attendee(rsvp: Rsvp, roles: dict[int, str]) -> schemas.Attendee:
    return schemas.Attendee(
        id=rsvp.id,
        name=rsvp.name,
        email=rsvp.email,
        party_size=rsvp.party_size,
        role=roles.get(rsvp.role_id) if rsvp.role_id else None,
        status=rsvp.status,
        created_at=rsvp.created_at,
    )
