"""Test data, in one place: organisers, events, roles, RSVPs and a march under way.

Every factory commits what it makes, as the request that made it in real life would have: a
test starts from saved data, a request the test makes sees it, and a rollback in the test
does not take it away.

Two ways to make an event, one function (``make_event``):
- as rows (the default): quick, any column, and states no form reaches (a cancelled event,
  an odd capacity, a start in the past);
- as an organiser does (``as_organiser=True``): through ``services.events``, with the route
  and the schedule, for tests of what organisers do and of the pages that show it. Its dates
  are fixed, four weeks after ``NOW``.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from core.extensions import db
from models import Event, EventOrganiser, Role, RoutePoint, Rsvp, User, Waypoint, utcnow
from services import accounts, events, tokens
from services import rsvp as rsvps
from services.mail import fanout
from services.route import parse_text

# --- organisers -----------------------------------------------------------------------------

PASSWORD = "correct horse battery"


def make_user(
    session,
    email: str = "org@example.org",
    *,
    display_name: str = "Org",
    password: str = PASSWORD,
) -> User:
    """An organiser account whose address is verified, as finishing sign-up makes it."""
    user = accounts.create_user(
        session, email=email, display_name=display_name, password=password, verified_at=NOW
    )
    session.commit()
    return user


# --- events ---------------------------------------------------------------------------------

# The "now" every service call of an organiser's event is given, four weeks before its march:
# the suite must pass on any real date.
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ROUTE = parse_text(
    "52.5096, 13.3762, Potsdamer Platz, assembly\n"
    "52.5130, 13.3774\n"
    "52.5163, 13.3777, Brandenburg Gate, stop\n"
    "52.5168, 13.3830, Russian embassy, end\n"
)


# The details form as an organiser fills it in (the same march as ``event_details``).
EVENT_FORM = {
    "title": "March against the war",
    "starts_at": "2026-11-29T13:00",
    "ends_at": "2026-11-29T16:00",
    "timezone": "Europe/Berlin",
    "city": "Berlin",
    "visibility": "listed",
    "max_party_size": "5",
    "reminder_offsets": "24h, 2h",
    "is_count_public": "y",
}


def event_details(**changes) -> events.EventDetails:
    """What an organiser types into the event form: a Sunday afternoon march in Berlin."""
    values = {
        "title": "March against the war",
        "starts_local": datetime(2026, 11, 29, 13, 0),
        "ends_local": datetime(2026, 11, 29, 16, 0),
        "timezone": "Europe/Berlin",
        "city": "Berlin",
    }
    return events.EventDetails(**{**values, **changes})


def make_event(
    session,
    owner_id: int | None = None,
    *,
    as_organiser: bool = False,
    published: bool = True,
    route: bool = True,
    **fields,
) -> Event:
    """A saved event, published unless ``published=False``, owned by ``owner_id`` if given.

    As rows (the default), ``fields`` are Event columns: "March for the Climate" in Berlin, a
    week ahead, created 30 days before it starts (RSVPs from ``add_rsvp`` date from then).

    With ``as_organiser=True`` (``owner_id`` required), ``fields`` are the form's fields (see
    ``event_details``), and the event gets the Potsdamer Platz to Russian embassy route and a
    two-item schedule unless ``route=False``.
    """
    if as_organiser:
        event = _event_as_organiser(session, owner_id, published=published, route=route, **fields)
    else:
        event = _event_rows(session, owner_id, published=published, **fields)
    session.commit()
    return event


def _event_rows(session, owner_id: int | None, *, published: bool, **fields) -> Event:
    starts_at = fields.pop("starts_at", utcnow().replace(microsecond=0) + timedelta(days=7))
    values = {
        "slug": f"march-{time.monotonic_ns()}",
        "title": "March for the Climate",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=3),
        "timezone": "Europe/Berlin",
        "city": "Berlin",
        "status": "published" if published else "draft",
        "created_at": starts_at - timedelta(days=30),
    }
    values.update(fields)
    event = Event(**values)
    session.add(event)
    session.flush()
    if owner_id is not None:
        session.add(EventOrganiser(event_id=event.id, user_id=owner_id, is_owner=True))
    return event


def _event_as_organiser(
    session, owner_id: int, *, published: bool, route: bool, **changes
) -> Event:
    event = events.create_event(
        session, owner_id=owner_id, now=NOW, details=event_details(**changes)
    )
    if route:
        events.save_route(session, event, ROUTE, NOW)
        by_label = {w.label: w.id for w in event.waypoints}
        start = changes.get("starts_local", datetime(2026, 11, 29, 13, 0))
        events.save_schedule(
            session,
            event,
            [
                events.ScheduleEntry(start, "Assembly", "", by_label["Potsdamer Platz"]),
                events.ScheduleEntry(
                    start.replace(hour=15), "Rally at the embassy", "", by_label["Russian embassy"]
                ),
            ],
            NOW,
        )
    if published:
        events.publish(session, event)
    session.flush()
    return event


# --- roles and RSVPs ------------------------------------------------------------------------


def add_role(session, event, name="Stewards", needed=None, needs_approval=False) -> Role:
    role = Role(event_id=event.id, name=name, needed=needed, needs_approval=needs_approval)
    session.add(role)
    session.commit()
    return role


def rsvp(session, event, email, party_size=1, role=None, now=None, **kw) -> Rsvp:
    """An RSVP as a participant places it: sent through the form's service, then confirmed
    from the email. Seats, roles, the waitlist and the mail all apply."""
    now = now or utcnow()
    result = rsvps.confirm_rsvp(
        session, submit_rsvp(session, event, email, party_size, role, now, **kw), now
    )
    session.commit()
    return result


def submit_rsvp(session, event, email, party_size=1, role=None, now=None, **kw) -> Rsvp:
    """The public form sent, not confirmed: a new address's RSVP stays ``unconfirmed``; a
    known address's RSVP comes back unchanged."""
    result = rsvps.submit_rsvp(
        session,
        event,
        email=email,
        name=kw.get("name"),
        party_size=party_size,
        role_id=role.id if role else None,
        wants_reminders=kw.get("wants_reminders", True),
        language=kw.get("language", "en"),
        now=now or utcnow(),
    )
    session.commit()
    return result


def add_rsvp(
    session, event: Event, email: str, *, created_at: datetime | None = None, **fields
) -> Rsvp:
    """An RSVP row in any state (``fields`` are Rsvp columns), confirmed by default, made
    when the event was; no rule is checked and no mail is queued."""
    salt = tokens.new_salt()
    row = Rsvp(
        event_id=event.id,
        email=email,
        name=fields.pop("name", None),
        status=fields.pop("status", "confirmed"),
        token_salt=salt,
        token_hash=tokens.token_hash(tokens.rsvp_token(salt)),
        created_at=created_at or event.created_at,
        **fields,
    )
    session.add(row)
    session.commit()
    return row


# --- a march under way ----------------------------------------------------------------------

# Potsdamer Platz → Brandenburg Gate along Ebertstraße, for the position and live tests.
LINE = [(52.5096, 13.3762), (52.5130, 13.3770), (52.5163, 13.3777)]


def march_under_way(
    session, owner_id: int, *, now: datetime, slug: str, with_gate: bool = False, **fields
):
    """A published march that started half an hour before ``now``, along ``LINE`` (with the
    Brandenburg Gate as a waypoint if ``with_gate``); ``fields`` override event columns."""
    event = _event_rows(
        session,
        owner_id,
        published=True,
        slug=slug,
        **{
            "title": "March",
            "city": "",
            "starts_at": now - timedelta(minutes=30),
            "ends_at": now + timedelta(hours=2),
            "created_at": utcnow(),
            **fields,
        },
    )
    session.add_all(
        RoutePoint(event_id=event.id, seq=i, lat=a, lon=b) for i, (a, b) in enumerate(LINE)
    )
    if with_gate:
        session.add(
            Waypoint(
                event_id=event.id,
                seq=0,
                lat=52.5163,
                lon=13.3777,
                kind="stop",
                label="Brandenburg Gate",
            )
        )
    session.commit()
    return event


# --- the worker's part -----------------------------------------------------------------------


def expand_all(now, batch_size: int = fanout.BATCH_SIZE) -> None:
    """What the worker's rounds do with every due job."""
    db.session.commit()
    while fanout.expand_due(db.transaction, now, batch_size):
        pass
    db.session.commit()
    db.session.expire_all()  # a fresh snapshot for the checks
