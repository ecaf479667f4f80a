"""A published event records what participants must know, in their words; a draft does not."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from models import EventChange
from services import events
from services.events import changes
from services.route import parse_text
from tests.factories import NOW, make_event, make_user
from tests.factories import event_details as details


def change_rows(session, event) -> list[tuple[int, str, str]]:
    return [
        (c.revision, c.kind, c.summary)
        for c in session.scalars(
            select(EventChange).where(EventChange.event_id == event.id).order_by(EventChange.id)
        )
    ]


def test_moving_the_start_of_a_published_event_is_recorded_once_with_a_revision(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    events.update_event(session, event, details(starts_local=datetime(2026, 11, 29, 14, 0)), NOW)
    assert event.revision == 1
    assert change_rows(session, event) == [
        (1, "time", "Start moved from 13:00 to 14:00 (Sunday 29 November).")
    ]


def test_moving_to_another_day_names_both_days(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    events.update_event(
        session,
        event,
        details(starts_local=datetime(2026, 12, 6, 13, 0), ends_local=datetime(2026, 12, 6, 16, 0)),
        NOW,
    )
    [(_, kind, summary)] = change_rows(session, event)
    assert kind == "time"
    assert summary == (
        "Start moved from Sunday 29 November, 13:00 to Sunday 6 December, "
        "13:00. End moved from Sunday 29 November, 16:00 to Sunday 6 December, "
        "16:00."
    )


def test_a_draft_records_nothing_and_keeps_revision_zero(session):
    event = make_event(session, make_user(session).id, as_organiser=True, published=False)
    events.update_event(session, event, details(starts_local=datetime(2026, 11, 29, 14, 0)), NOW)
    events.save_route(session, event, parse_text("52.51, 13.37\n52.52, 13.38\n"), NOW)
    assert event.revision == 0 and change_rows(session, event) == []


def test_saving_unchanged_details_records_nothing(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    events.update_event(session, event, details(), NOW)
    assert event.revision == 0
    assert session.scalar(select(func.count()).select_from(EventChange)) == 0


def test_new_route_records_place_route_and_unlinked_schedule_in_one_revision(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    events.save_route(
        session,
        event,
        parse_text(
            "52.5080, 13.3750, Leipziger Platz, assembly\n"
            "52.5163, 13.3777\n"
            "52.5168, 13.3830, Russian embassy, end\n"
        ),
        NOW,
    )
    assert event.revision == 1
    rows = change_rows(session, event)
    assert [(r, k) for r, k, _ in rows] == [(1, "place"), (1, "route"), (1, "schedule")]
    assert rows[0][2] == "Assembly point moved to Leipziger Platz."
    assert rows[1][2] == (
        f"Route changed: now {event.route_length_m / 1000:.1f} km, ends at Russian embassy."
    )
    # The assembly item pointed at "Potsdamer Platz", which the new route no longer has.
    assert rows[2][2] == "Schedule changed: 13:00 Assembly now at no fixed place."


def test_schedule_changes_are_listed_item_by_item(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    entries = [events.schedule_entry(event, item) for item in event.schedule_items]
    entries[0].starts_local = entries[0].starts_local.replace(minute=15)
    entries.append(events.ScheduleEntry(datetime(2026, 11, 29, 14, 30), "Rally at the Gate"))
    events.save_schedule(session, event, entries[:1] + entries[2:], NOW)
    [(_, kind, summary)] = change_rows(session, event)
    assert kind == "schedule"
    assert summary == (
        "Schedule changed: Assembly moved from 13:00 to 13:15; "
        "14:30 Rally at the Gate added; 15:00 Rally at the embassy removed."
    )


def test_cancelling_a_published_event_records_the_reason(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    events.cancel(session, event, "The police banned the march.", NOW)
    assert change_rows(session, event) == [(1, "status", "Cancelled: The police banned the march.")]


def test_compare_is_pure_and_reports_city_changes():
    def snap(city: str) -> changes.Snapshot:
        at = datetime(2026, 11, 29, 12, 0).astimezone()
        return changes.Snapshot(
            "published", None, at, at, "Europe/Berlin", city, None, (), (), 0, None, ()
        )

    assert changes.compare(snap("Berlin"), snap("Berlin")) == []
    assert changes.compare(snap("Berlin"), snap("Potsdam")) == [
        ("place", "City changed from Berlin to Potsdam.")
    ]
