"""Accessibility along the route: marked sections (steps, steep, rough, narrow, no exit)
between two of the route's points, and a step-free alternative line.

Points such as toilets, first aid, rest, a quiet zone or a place to leave the march are
places beside the route (``RoutePlace``): not part of its line, so toilets 80 m off it do not
bend the march line; each within 1 km of the line. (A waypoint of those kinds still works,
as a point of the line.)

A section is stored by the ``seq`` of its two route points. Saving the route again keeps
each section on the same two places (found by their coordinates on the new line); a section
whose place is gone is refused by name, never silently moved to other points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from models import AlternativePoint, Event, RoutePlace, RouteSection
from services.errors import DomainError
from services.events import changes
from services.route import (
    KIND_LABELS,
    SECTION_LABELS,
    Place,
    Point,
    Route,
    RouteError,
    Section,
    distance_text,
    section_name,
    snap_to_route,
    validate_alternative,
    validate_places,
    validate_sections,
)
from services.texts import ReaderTexts


def stored_sections(event: Event) -> tuple[Section, ...]:
    return tuple(Section(s.start_seq, s.end_seq, s.kind, s.note) for s in event.sections)


def stored_alternative(event: Event) -> tuple[Point, ...]:
    return tuple(Point(p.lat, p.lon) for p in event.alternative_points)


def stored_places(event: Event) -> tuple[Place, ...]:
    """The places beside the route; reads ``event.places`` only if it has any."""
    if not event.has_route_places:
        return ()
    return tuple(Place(p.lat, p.lon, p.kind, p.label, p.note) for p in event.places)


def carried_places(event: Event, route: Route) -> tuple[Place, ...]:
    """The places that go with ``route`` when it is stored: its own if it carries some (our
    own export), else the stored ones, which must still be near the new line. Raises
    ``DomainError`` (field ``route``) naming the first place too far from it."""
    if route.places is not None:
        return route.places
    places = stored_places(event)
    if not places:
        return ()
    if len(route.points) < 2:
        raise DomainError(
            _("The route has places beside it: remove them on the accessibility page first."),
            "route",
        )
    try:
        return validate_places(places, route.points)
    except RouteError as err:
        raise DomainError(
            _(
                "%(problem)s Move or remove the place on the accessibility page first.",
                problem=str(err),
            ),
            "route",
        ) from None


def store_places(session: Session, event: Event, places: Sequence[Place]) -> None:
    """Replace the event's places beside the route (already checked). Flushes."""
    if event.has_route_places or event.places:
        event.places.clear()
        session.flush()
    event.places.extend(
        RoutePlace(seq=i, lat=p.lat, lon=p.lon, kind=p.kind, label=p.label, note=p.note)
        for i, p in enumerate(places)
    )
    event.has_route_places = bool(places)
    session.flush()


def carried_sections(event: Event, route: Route) -> tuple[Section, ...]:
    """The sections that go with ``route`` when it is stored: its own if it carries some
    (a file), else the stored ones moved to the same places on the new line (first match of
    the start's coordinates, then of the end's after it). Raises ``DomainError`` naming the
    first section whose start or end is not on the new line."""
    if route.sections is not None:
        return route.sections
    old = [Point(p.lat, p.lon) for p in event.route_points]
    moved: list[Section] = []
    for n, s in enumerate(stored_sections(event), 1):
        start = _index(route.points, old[s.start], 0) if s.start < len(old) else None
        end = (
            _index(route.points, old[s.end], start + 1)
            if start is not None and s.end < len(old)
            else None
        )
        if end is None:
            raise DomainError(
                _(
                    "%(name)s: its points are not on the new route. Remove the section, "
                    "or keep its start and end points on the route.",
                    name=section_name(n, s.kind, s.note),
                ),
                "route",
            )
        moved.append(Section(start, end, s.kind, s.note))
    return tuple(moved)


def _index(points: Sequence[Point], spot: Point, start: int) -> int | None:
    return next((i for i in range(start, len(points)) if points[i] == spot), None)


def store_accessibility(
    session: Session,
    event: Event,
    sections: Sequence[Section],
    alternative: Sequence[Point] | None,
) -> None:
    """Replace the event's sections (already checked against its stored line) and, unless
    ``alternative`` is None, its alternative line. Flushes."""
    event.sections.clear()
    session.flush()
    event.sections.extend(
        RouteSection(seq=i, start_seq=s.start, end_seq=s.end, kind=s.kind, note=s.note)
        for i, s in enumerate(sections)
    )
    if alternative is not None:
        session.execute(delete(AlternativePoint).where(AlternativePoint.event_id == event.id))
        if alternative:
            session.execute(
                insert(AlternativePoint),
                [
                    {"event_id": event.id, "seq": i, "lat": p.lat, "lon": p.lon}
                    for i, p in enumerate(alternative)
                ],
            )
        session.expire(event, ["alternative_points"])
        event.is_step_free_available = bool(alternative)
        # The points went in by Core statements, which the page-version listener does not
        # see (models.counts): marking the event changed bumps its public page's version.
        flag_modified(event, "is_step_free_available")
    session.flush()


def save_accessibility(
    session: Session,
    event: Event,
    sections: Sequence[Section],
    alternative: Sequence[Point],
    now: datetime,
    places: Sequence[Place] | None = None,
) -> None:
    """Make the event's marked sections and step-free alternative exactly these, and its
    places beside the route too unless ``places`` is None. Raises ``DomainError`` (field
    ``sections``, ``alternative_text`` or ``places``) naming the first bad one, before
    anything changes."""
    try:
        checked = validate_sections(sections, len(event.route_points))
    except RouteError as err:
        raise DomainError(str(err), "sections") from None
    try:
        line = validate_alternative(alternative)
    except RouteError as err:
        raise DomainError(str(err), "alternative_text") from None
    beside = None
    if places is not None:
        try:
            beside = validate_places(places, [Point(p.lat, p.lon) for p in event.route_points])
        except RouteError as err:
            raise DomainError(str(err), "places") from None
    before = changes.snapshot(event)
    store_accessibility(session, event, checked, line)
    if beside is not None:
        store_places(session, event, beside)
    changes.record(session, event, before, now)


def point_names(event: Event, label: Callable[[str], str] = str) -> dict[int, str]:
    """The route points (by ``seq``) that have a waypoint, with its label (through ``label``,
    e.g. the reader's translation): how pages and forms name a section's ends."""
    seqs: dict[tuple[float, float], int] = {}
    for p in event.route_points:
        seqs.setdefault((p.lat, p.lon), p.seq)
    names: dict[int, str] = {}
    for w in event.waypoints:
        seq = seqs.get((w.lat, w.lon))
        if seq is not None:
            names.setdefault(seq, label(w.label))
    return names


def section_views(event: Event, texts: ReaderTexts) -> list[dict]:
    """Each marked section as the event page says it: kind, its name, note, and its ends named
    by their waypoint (else "point N of the route"), in the reader's language (``texts``)."""
    names = point_names(event, texts.waypoint)

    def end(seq: int) -> str:
        return names.get(seq) or _("point %(n)d of the route", n=seq + 1)

    return [
        {
            "kind": s.kind,
            "kind_label": str(SECTION_LABELS.get(s.kind, s.kind)),
            "note": texts.section_note(s.note) if s.note else "",
            "from": end(s.start_seq),
            "to": end(s.end_seq),
        }
        for s in event.sections
    ]


def place_views(event: Event, texts: ReaderTexts) -> list[dict]:
    """Each place beside the route as the event page lists it: kind, its name, label and note
    in the reader's language (``texts``), and how far it is from the line ("80 m"). Reads
    ``event.places`` only if the event has any."""
    if not event.has_route_places:
        return []
    line = [Point(p.lat, p.lon) for p in event.route_points]
    views = []
    for p in event.places:
        distance = snap_to_route(line, Point(p.lat, p.lon))[1] if len(line) >= 2 else None
        views.append(
            {
                "kind": p.kind,
                "kind_label": str(KIND_LABELS.get(p.kind, p.kind)),
                "label": texts.place_label(p.label),
                "note": texts.place_note(p.note) if p.note else "",
                "lat": p.lat,
                "lon": p.lon,
                "distance": distance_text(distance) if distance is not None else "",
            }
        )
    return views
