"""Edits keep the event coherent: moving the start moves the schedule with it, unless the
organiser says otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services import events
from services.route import parse_text
from services.times import format_time
from tests.factories import NOW, make_event, make_user
from tests.factories import event_details as details


def schedule(event) -> list[str]:
    return [
        f"{format_time(item.starts_at, event.timezone)} {item.title}"
        for item in sorted(event.schedule_items, key=lambda item: item.starts_at)
    ]


def move(session, event, starts: datetime, ends: datetime, **kw) -> None:
    """The organiser saves the details with a new start and end, before the march."""
    before = (starts - timedelta(days=20)).replace(tzinfo=UTC)
    events.update_event(session, event, details(starts_local=starts, ends_local=ends, **kw), before)


def test_moving_the_start_an_hour_later_moves_the_schedule_with_it(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    assert schedule(event) == ["13:00 Assembly", "15:00 Rally at the embassy"]
    move(
        session,
        event,
        datetime(2026, 11, 29, 14, 0),
        datetime(2026, 11, 29, 17, 0),
        move_schedule=True,
    )
    assert schedule(event) == ["14:00 Assembly", "16:00 Rally at the embassy"]


def test_the_organiser_may_keep_the_schedule_where_it_is(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    move(
        session,
        event,
        datetime(2026, 11, 29, 14, 0),
        datetime(2026, 11, 29, 17, 0),
        move_schedule=False,
    )
    assert schedule(event) == ["13:00 Assembly", "15:00 Rally at the embassy"]


def test_across_a_clock_change_the_schedule_keeps_its_wall_clock_times(session):
    # From Sunday 21 March (CET) to Sunday 4 April 2027 (CEST): 13:00 stays 13:00.
    event = make_event(
        session,
        make_user(session).id,
        as_organiser=True,
        published=False,
        starts_local=datetime(2027, 3, 21, 13, 0),
        ends_local=datetime(2027, 3, 21, 16, 0),
    )
    move(
        session, event, datetime(2027, 4, 4, 13, 0), datetime(2027, 4, 4, 16, 0), move_schedule=True
    )
    assert schedule(event) == ["13:00 Assembly", "15:00 Rally at the embassy"]
    assert {item.starts_at.date().isoformat() for item in event.schedule_items} == {"2027-04-04"}


def places(event) -> dict[str, str | None]:
    labels = {w.id: w.label for w in event.waypoints}
    return {item.title: labels.get(item.waypoint_id) for item in event.schedule_items}


def test_a_saved_route_keeps_items_on_their_waypoint_by_label_then_by_nearness(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    # The assembly point dragged ~60 m and retyped; the embassy kept by its label.
    events.save_route(
        session,
        event,
        parse_text(
            "52.5101, 13.3768, Potsdamer Pl., assembly\n52.5130, 13.3774\n"
            "52.5168, 13.3830, Russian embassy, end\n"
        ),
        NOW,
    )
    assert places(event) == {
        "Assembly": "Potsdamer Pl.",
        "Rally at the embassy": "Russian embassy",
    }


def test_a_waypoint_gone_far_away_leaves_its_items_without_a_place(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    events.save_route(
        session,
        event,
        parse_text(
            "52.5200, 13.4050, Alexanderplatz, assembly\n52.5168, 13.3830, Russian embassy, end\n"
        ),
        NOW,
    )
    assert places(event) == {"Assembly": None, "Rally at the embassy": "Russian embassy"}


def test_what_the_page_is_told_before_saving_is_what_saving_does(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    route = parse_text(
        "52.5101, 13.3768, Potsdamer Pl., assembly\n52.5130, 13.3774\n"
        "52.5200, 13.4050, Alexanderplatz, end\n"
    )
    told = {c.title: c.new_label for c in events.place_changes(event, route)}
    assert told == {"Assembly": "Potsdamer Pl.", "Rally at the embassy": None}
    assert places(event) == {
        "Assembly": "Potsdamer Platz",
        "Rally at the embassy": "Russian embassy",
    }
    events.save_route(session, event, route, NOW)
    assert places(event) == told
    # Saved again unchanged, nothing moves, so nothing is said.
    assert events.place_changes(event, route) == []
