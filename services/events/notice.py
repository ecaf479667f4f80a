"""The notice to the authorities: its organiser-only details, and the sheet it prints.

What Rallypoint already knows (title, times, the route and its waypoints) is read from the
event; what only the notice needs (the person leading the march and a deputy, the organiser's
address, stewards, vehicles, loudspeakers...) is stored in ``EventNotice``, never shown on a
public page. Nothing here sends anything: the organiser prints the sheet, or saves it as PDF,
and submits it themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy.orm import Session

from models import Event, EventNotice
from models.enums import WaypointKind
from services.events.schedule import event_route
from services.route.svg import Size, route_svg
from services.times import format_date, to_local

# The route picture on an A4 page, beside a list of the waypoints.
SHEET_SIZE = Size(width=680, height=360, margin=32)


@dataclass(frozen=True)
class NoticeDetails:
    """What an organiser types into the notice form; empty means "not given"."""

    topic: str = ""
    organiser: str = ""
    leader: str = ""
    deputy: str = ""
    final_rally: str = ""
    streets: str = ""
    expected_participants: int | None = None
    stewards: int | None = None
    vehicles: str = ""
    loudspeakers: str = ""
    stage: str = ""
    banners: str = ""
    notes: str = ""


def details_of(session: Session, event: Event) -> NoticeDetails:
    """The stored notice details of ``event``; all empty if none were saved yet."""
    row = session.get(EventNotice, event.id)
    if row is None:
        return NoticeDetails()
    return NoticeDetails(**{f.name: getattr(row, f.name) for f in fields(NoticeDetails)})


def save_details(session: Session, event: Event, details: NoticeDetails, now: datetime) -> None:
    """Store ``details`` as the notice of ``event`` (one row per event), stamped ``now``.
    Nothing participants see changes, so no change record and no email."""
    row = session.get(EventNotice, event.id)
    if row is None:
        row = EventNotice(event_id=event.id)
        session.add(row)
    for name, value in asdict(details).items():
        setattr(row, name, value.strip() if isinstance(value, str) else value)
    row.updated_at = now
    session.flush()


def notice_sheet(event: Event, details: NoticeDetails, kind_names: Mapping[str, str]) -> dict:
    """What the printable notice shows: the stored details, with what the event knows filled
    in (the title as the topic, the assembly and end waypoints as the assembly point and the
    final rally), the waypoints in walking order and the route picture as SVG text.

    ``kind_names`` are the waypoint kinds' names in the sheet's language.
    """
    waypoints = list(event.waypoints)
    assembly = event.assembly_waypoint
    end = next((w for w in reversed(waypoints) if w.kind == WaypointKind.END), None)
    has_route = len(event.route_points) >= 2
    return {
        "details": details,
        "topic": details.topic or event.title,
        "date": format_date(event.starts_at, event.timezone),
        "ends_same_day": to_local(event.ends_at, event.timezone).date()
        == to_local(event.starts_at, event.timezone).date(),
        "assembly": ", ".join(filter(None, [assembly.label if assembly else "", event.city])),
        "final_rally": details.final_rally or (end.label if end else ""),
        "waypoints": [
            {"n": n, "label": w.label, "kind": str(kind_names.get(w.kind, w.kind))}
            for n, w in enumerate(waypoints, 1)
        ],
        "streets": [line.strip() for line in details.streets.splitlines() if line.strip()],
        "route_km": event.route_length_m / 1000,
        "route_svg": (
            route_svg(event_route(event), size=SHEET_SIZE, title=event.title, kind_names=kind_names)
            if has_route
            else ""
        ),
    }
