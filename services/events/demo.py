"""The demo data that `make run` puts in a fresh database: an organiser and the Berlin march
(after the exiled Russian opposition's march: from 1 p.m. on a Sunday, from Potsdamer Platz
past the Brandenburg Gate to the Russian embassy on Unter den Linden)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Event, Role, User
from models.enums import SectionKind, WaypointKind
from services import accounts, events
from services.route import Place, Point, Section, parse_text
from services.times import to_local, to_utc

DEMO_SLUG = "berlin-march-demo"
ZONE = "Europe/Berlin"
START, END = time(13, 0), time(16, 0)

# Potsdamer Platz north along Ebertstraße (past the Holocaust memorial) to the Brandenburg
# Gate, through it and across Pariser Platz onto Unter den Linden, to the embassy at 63–65.
ROUTE_TEXT = """\
52.5096, 13.3762, Potsdamer Platz, assembly
52.5101, 13.3765
52.5107, 13.3768
52.5113, 13.3770
52.5119, 13.3772
52.5125, 13.3773
52.5132, 13.3774, First aid: Ebertstraße at Hannah-Arendt-Straße, first aid
52.5139, 13.3775
52.5146, 13.3776
52.5153, 13.3776
52.5158, 13.3777
52.5163, 13.3777, Brandenburg Gate, stop
52.5163, 13.3787
52.5164, 13.3797
52.5165, 13.3807
52.5166, 13.3818
52.5168, 13.3830, Russian embassy (Unter den Linden 63–65), end
"""

# Pariser Platz is cobbled, from the Gate (point 12) to point 14; the step-free alternative
# leaves Ebertstraße before the Gate and goes round by Behrenstraße and Wilhelmstraße.
SECTIONS = [Section(11, 13, SectionKind.ROUGH, "Cobblestones across Pariser Platz")]
ALTERNATIVE = (
    Point(52.5153, 13.3776),
    Point(52.5141, 13.379),
    Point(52.5139, 13.3815),
    Point(52.5155, 13.3816),
    Point(52.5166, 13.3818),
)

# The toilets stand beside the route, north of Pariser Platz: a place, not a point of the line.
PLACES = (
    Place(
        52.5172,
        13.3801,
        WaypointKind.TOILETS,
        "Toilets at Pariser Platz (north side)",
        "Step-free, with a wheelchair-accessible cubicle",
    ),
)

SCHEDULE = [  # local time, title, description, waypoint label
    (
        time(13, 0),
        "Assembly and speeches",
        "Bring your flags and signs; no party symbols.",
        "Potsdamer Platz",
    ),
    (
        time(13, 45),
        "March departs",
        "Along Ebertstraße towards the Brandenburg Gate.",
        "Potsdamer Platz",
    ),
    (
        time(14, 30),
        "Rally at the Brandenburg Gate",
        "Short speeches on Pariser Platz.",
        "Brandenburg Gate",
    ),
    (
        time(15, 0),
        "Closing rally in front of the embassy",
        "",
        "Russian embassy (Unter den Linden 63–65)",
    ),
]

DESCRIPTION = """\
**No to the war. No to Putin. Freedom for political prisoners.**

We march together through the centre of Berlin: exiles, friends and everyone who stands
with Ukraine and with the people of Russia who are silenced at home.

- Stewards wear orange vests; follow their directions.
- Medics are at the assembly point and walk with the march.
- Please do not film other participants' faces: some have family in Russia.
"""


def next_sunday(now: datetime) -> date:
    """The date of the first Sunday whose 13:00 in Berlin is still ahead of ``now``."""
    local = to_local(now, ZONE)
    days = (6 - local.weekday()) % 7
    if days == 0 and local.time() >= START:
        days = 7
    return local.date() + timedelta(days=days)


def seed(session: Session, *, email: str, password: str, now: datetime) -> User:
    """The demo organiser and the published Berlin march, created once; running it again
    changes nothing, except that a march already over at ``now`` is moved to the next
    Sunday."""
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        user = accounts.create_user(
            session, email=email, display_name="Demo organisers", password=password
        )
    accounts.mark_verified(user, now)  # the demo's own address: nobody else's to prove
    event = session.scalar(select(Event).where(Event.slug == DEMO_SLUG))
    if event is None:
        _create_march(session, user, next_sunday(now), now)
    elif event.ends_at < now:
        _move_march(event, next_sunday(now))
    session.flush()
    return user


def _create_march(session: Session, user: User, day: date, now: datetime) -> Event:
    event = events.create_event(
        session,
        owner_id=user.id,
        details=events.EventDetails(
            title="March against the war: Berlin",
            starts_local=datetime.combine(day, START),
            ends_local=datetime.combine(day, END),
            timezone=ZONE,
            description_md=DESCRIPTION,
            city="Berlin",
            contact="demo@rallypoint.invalid",
            max_party_size=10,
        ),
        now=now,
    )
    event.slug = DEMO_SLUG
    events.save_route(session, event, parse_text(ROUTE_TEXT), now)
    events.save_accessibility(session, event, SECTIONS, ALTERNATIVE, now, PLACES)
    waypoint_ids = {w.label: w.id for w in event.waypoints}
    events.save_schedule(
        session,
        event,
        [
            events.ScheduleEntry(datetime.combine(day, at), title, text, waypoint_ids[label])
            for at, title, text, label in SCHEDULE
        ],
        now,
    )
    event.roles = [Role(seq=0, name="Stewards", needed=10), Role(seq=1, name="Medics", needed=4)]
    events.publish(session, event)
    return event


def _move_march(event: Event, day: date) -> None:
    # Demo data only: moved quietly, without a change notice to (demo) participants.
    shift = day - to_local(event.starts_at, ZONE).date()

    def moved(instant: datetime) -> datetime:
        return to_utc(to_local(instant, ZONE).replace(tzinfo=None) + shift, ZONE)

    event.starts_at, event.ends_at = moved(event.starts_at), moved(event.ends_at)
    for item in event.schedule_items:
        item.starts_at = moved(item.starts_at)
