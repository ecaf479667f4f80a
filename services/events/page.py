"""The public pages' data: what an event's page shows (``finding`` finds the events).

Built here rather than in a blueprint so that every page showing an event (the listing, the
home page, the organiser's route editor, the RSVP pages) reads the same data. Times stay
instants: templates format them with the ``when`` and ``time`` filters.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import nh3
import segno
from babel.dates import get_timezone_location
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, literal, select
from sqlalchemy.orm import Session

from models import Event, EventOrganiser, RsvpCount, User
from models.counts import NO_ROLE
from models.enums import EventStatus, RsvpStatus
from services import rsvp as rsvps
from services import texts as reader_texts
from services.events import accessibility, render_description
from services.route import KIND_LABELS, walking_minutes
from services.rsvp import attendees
from services.texts import ReaderTexts
from services.times import format_time, format_when, to_local, zone


def walking_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=rest)
    return _("%(hours)d h", hours=hours) if hours else _("%(minutes)d min", minutes=rest)


def map_data(event: Event, config: Mapping, texts: ReaderTexts | None = None) -> dict:
    """The data the map macros and scripts read; ``config`` gives the tile server, ``texts``
    the reader's language of the labels (none: as written, for the route editor)."""
    label = texts.waypoint if texts is not None else str
    return {
        "points": [[p.lat, p.lon] for p in event.route_points],
        "waypoints": [
            {"n": n, "lat": w.lat, "lon": w.lon, "kind": w.kind, "label": label(w.label)}
            for n, w in enumerate(event.waypoints, 1)
        ],
        "sections": [
            {
                "kind": s.kind,
                "note": texts.section_note(s.note) if texts is not None and s.note else s.note,
                "points": [[p.lat, p.lon] for p in event.route_points[s.start_seq : s.end_seq + 1]],
            }
            for s in event.sections
        ],
        # Loaded (one query, whatever its length) only for an event that has one.
        "alternative": (
            [[p.lat, p.lon] for p in event.alternative_points]
            if event.is_step_free_available
            else []
        ),
        # Places beside the line: loaded (one query) only for an event that has some.
        "places": [
            {
                "lat": p.lat,
                "lon": p.lon,
                "kind": p.kind,
                "label": texts.place_label(p.label) if texts is not None else p.label,
                "note": (texts.place_note(p.note) if texts is not None and p.note else p.note),
            }
            for p in (event.places if event.has_route_places else ())
        ],
        "tiles": {"url": config["TILE_URL"], "attribution": config["TILE_ATTRIBUTION"]},
    }


def event_page(event: Event, *, config: Mapping, language: str, page_url: str) -> dict:
    """Everything ``events/show.html`` needs but the live parts and the RSVP panel, with
    texts in ``language`` where the organisers translated them.

    It only reads the event's loaded collections (see ``finding.event_for_page``), so the page costs
    the same queries for 5 points or 5,000.
    """
    tz = event.timezone
    texts = reader_texts.for_reader(event, language)
    numbers = {w.id: n for n, w in enumerate(event.waypoints, 1)}
    labels = {w.id: texts.waypoint(w.label) for w in event.waypoints}
    start_day = to_local(event.starts_at, tz).date()
    pace = config["MARCH_PACE_KMH"]
    assembly = event.assembly_waypoint
    start, end = when_texts(event)
    return {
        "event": event,
        "ends_same_day": to_local(event.ends_at, tz).date() == start_day,
        "when_start": start,
        "when_end": end,
        "assembly": assembly,
        "assembly_label": texts.waypoint(assembly.label) if assembly is not None else None,
        "assembly_text": assembly_text(event, texts),
        "zone_text": zone_text(event),
        "has_route": len(event.route_points) >= 2,
        "distance_km": format_decimal(event.route_length_m / 1000, format="0.0"),
        "walking": walking_text(walking_minutes(event.route_length_m, pace)),
        "pace_kmh": f"{pace:g}",
        "waypoints": [
            {
                "n": n,
                "label": labels[w.id],
                "kind": w.kind,
                "kind_label": str(KIND_LABELS[w.kind]),
            }
            for n, w in enumerate(event.waypoints, 1)
        ],
        "map_data": map_data(event, config, texts),
        "sections": accessibility.section_views(event, texts),
        "places": accessibility.place_views(event, texts),
        "step_free": event.is_step_free_available,
        "schedule": [
            {
                "id": item.id,
                "starts_at": item.starts_at,
                "other_day": to_local(item.starts_at, tz).date() != start_day,
                "title": texts.schedule_item(item.title),
                "description": item.description,
                "waypoint_n": numbers.get(item.waypoint_id),
                "waypoint_label": labels.get(item.waypoint_id),
            }
            for item in event.schedule_items
        ],
        "title": texts.title,
        "description_html": render_description(texts.description_md),
        "description_text": plain_summary(texts.description_md),
        "contact_href": contact_href(event.contact),
        "changes": event.changes,
        "is_draft_preview": event.status == EventStatus.DRAFT,
        "page_url": page_url,
    }


def when_texts(event: Event) -> tuple[str, str]:
    """The "When" line's start and end in the current language and the event's zone, the
    zone named ("Sunday 29 November 2026, 13:00 CET", "16:00"): the page prints them and the
    live feed sends them, so an open page shows the same words after a change."""
    tz = event.timezone
    same_day = to_local(event.ends_at, tz).date() == to_local(event.starts_at, tz).date()
    end = format_time(event.ends_at, tz) if same_day else format_when(event.ends_at, tz)
    return format_when(event.starts_at, tz), end


def when_line(event: Event) -> str:
    """The "When" line as plain text, e.g. "Sunday 29 November 2026, 13:00 CET, until 16:00"."""
    start, end = when_texts(event)
    return _("%(start)s, until %(end)s", start=start, end=end)


def assembly_text(event: Event, texts: ReaderTexts | None = None) -> str:
    """The "Assemble at" line: the assembly waypoint (in ``texts``' language; none: as
    written) and the city, either may be missing."""
    assembly = event.assembly_waypoint
    label = "" if assembly is None else texts.waypoint(assembly.label) if texts else assembly.label
    return ", ".join(part for part in (label, event.city) if part)


def zone_text(event: Event) -> str:
    """One clock per page: "All times are local time in Berlin (CET)." in the current
    language, for the times the page prints without their zone (the schedule's)."""
    locale = get_locale() or "en"
    city = get_timezone_location(zone(event.timezone), locale=locale, return_city=True)
    return _(
        "All times are local time in %(city)s (%(zone)s).",
        city=city,
        zone=to_local(event.starts_at, event.timezone).tzname(),
    )


def qr_svg(url: str) -> bytes:
    """A QR code of ``url`` as a standalone SVG (4 modules of quiet zone, 4 units a module),
    drawn here so that no phone asks another site for it."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(
        buffer, kind="svg", scale=4, border=4, dark="#1b1b1f", light="#fff", xmldecl=False
    )
    return buffer.getvalue()


def organiser_name(session: Session, event: Event) -> str | None:
    """Who organises the march, as the page says: the owner's display name (a person's or a
    group's, as they signed up)."""
    return session.scalar(
        select(User.display_name)
        .join(EventOrganiser, EventOrganiser.user_id == User.id)
        .where(EventOrganiser.event_id == event.id, EventOrganiser.is_owner.is_(True))
    )


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[\d\s()/.-]{6,}")


def contact_href(contact: str) -> str | None:
    """A link for the event's contact when it is one address: an email (mailto:), a web
    page (https:// or http://) or a phone number (tel:); None for anything else."""
    text = (contact or "").strip()
    if _EMAIL.fullmatch(text):
        return "mailto:" + text
    if re.fullmatch(r"https?://\S+", text):
        return text
    if _PHONE.fullmatch(text) and sum(c.isdigit() for c in text) >= 6:
        return "tel:" + re.sub(r"[^\d+]", "", text)
    return None


def plain_summary(description_md: str, limit: int = 200) -> str:
    """The description as one line of plain text, cut at a word within ``limit`` characters:
    for the meta description and the preview a link shows in a messenger."""
    text = " ".join(
        html.unescape(nh3.clean(render_description(description_md), tags=set())).split()
    )
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


@dataclass(frozen=True)
class Validator:
    """What an event's public page, live feed and files are built from, read in one query
    before anything is rendered: if none of it changed, neither did they.

    ``page_version`` moves with every change to what the page shows, change records and
    march positions included (``models.counts``); ``people`` holds the confirmed people per
    role (``NO_ROLE``: plain participants), from the counters.
    """

    event_id: int
    status: str
    page_version: int
    revision: int
    starts_at: datetime
    rsvp_deadline_at: datetime | None
    people: tuple[tuple[int, int], ...]

    def parts(self, now: datetime) -> tuple:
        """What the page's ETag is made of at ``now``: the data, and whether RSVPs are
        closed, the one thing that changes with time alone."""
        return (
            self.event_id,
            self.page_version,
            self.revision,
            self.status,
            rsvps.closed_reason(self, now),
            self.people,
        )

    def feed_parts(self) -> tuple:
        """The live feed's: it shows no counts and nothing that changes with time."""
        return (self.event_id, self.page_version, self.revision, self.status)


def _validator_query(counts: bool) -> Select:
    events, counters = Event.__table__, RsvpCount.__table__
    query = select(
        events.c.id,
        events.c.status,
        events.c.page_version,
        events.c.revision,
        events.c.starts_at,
        events.c.rsvp_deadline_at,
    ).where(events.c.slug == bindparam("slug"))
    if not counts:
        return query
    return (
        query.add_columns(counters.c.role_key, counters.c.people)
        .outerjoin(
            counters,
            and_(
                counters.c.event_id == events.c.id,
                counters.c.status == literal(RsvpStatus.CONFIRMED.value),
            ),
        )
        .order_by(counters.c.role_key)
    )


# Built once: on a page answered with a 304, building the statement would cost more than
# running it.
_VALIDATOR = {True: _validator_query(True), False: _validator_query(False)}


def validator(session: Session, slug: str, *, counts: bool = True) -> Validator | None:
    """The validator of the event at ``slug`` (drafts included: the caller decides who may
    see one), or None. One query, whatever the number of RSVPs: the event's row joined to
    its few confirmed-people counters (none with ``counts=False``, for the live feed)."""
    rows = session.connection().execute(_VALIDATOR[counts], {"slug": slug}).all()
    if not rows:
        return None
    first = rows[0]
    return Validator(
        event_id=first[0],
        status=first[1],
        page_version=first[2],
        revision=first[3],
        starts_at=first[4],
        rsvp_deadline_at=first[5],
        people=tuple((r[6], r[7]) for r in rows if counts and r[6] is not None and r[7]),
    )


def confirmed(session: Session, event: Event) -> dict[int, tuple[int, int]]:
    """{role_key: (confirmed RSVPs, their people)} of ``event``, from its counters: one
    query on a few rows."""
    rows = session.execute(
        select(RsvpCount.role_key, RsvpCount.rsvps, RsvpCount.people).where(
            RsvpCount.event_id == event.id, RsvpCount.status == RsvpStatus.CONFIRMED
        )
    )
    return {key: (int(rsvps), int(people)) for key, rsvps, people in rows}


def rsvp_panel(
    session: Session, event: Event, now: datetime, texts: ReaderTexts | None = None
) -> dict:
    """What ``rsvp/_panel.html`` shows besides its form: "stewards: 6 of 10" per role, the
    public count if the organisers show it, and why RSVPs are closed at ``now``.

    The numbers come from the counters, never from grouping the RSVPs. A role counts its
    volunteers (one per RSVP); the guests they bring come as participants, as do the
    counters of a role that is gone (as ``attendees.totals`` counts). ``lines`` holds every
    role's line, plain participants included, for the form's labels; role names are in
    ``texts``' language (none: as written).
    """
    lines = [attendees.RoleLine(None)] + [
        attendees.RoleLine(role, label=texts.role(role.name) if texts is not None else None)
        for role in event.roles
    ]
    by_key = {line.role.id if line.role else NO_ROLE: line for line in lines}
    for key, (answers, people) in confirmed(session, event).items():
        line = by_key.get(key, lines[0])
        if line.role is None:
            line.people += people
        else:
            line.people += answers
            lines[0].people += people - answers
    coming = sum(line.people for line in lines)
    return {
        "lines": lines,
        "roles": lines[1:],
        "people": coming if event.is_count_public and not _cancelled(event) else None,
        "closed": rsvps.closed_reason(event, now),
        "is_cancelled": _cancelled(event),
        # Every place taken: a new RSVP goes on the waitlist (a role may still have room, but
        # the event's capacity counts everyone).
        "is_full": event.capacity is not None and coming >= event.capacity,
    }


def _cancelled(event: Event) -> bool:
    return event.status == EventStatus.CANCELLED
