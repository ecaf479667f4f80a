"""Organisers create, edit, publish, cancel and duplicate demonstrations; bad input leaves
the stored event as it was."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from models import Event, EventOrganiser, Role
from services import events
from services.errors import DomainError
from services.route import parse_text
from services.times import format_when
from tests.factories import NOW, make_event, make_user
from tests.factories import event_details as details


def test_create_event_stores_utc_with_readable_slug_and_owner(session):
    user = make_user(session)
    event = events.create_event(
        session,
        owner_id=user.id,
        now=NOW,
        details=details(title="Marsch gegen den Krieg: Berlin!", reminder_offsets="24h, 2h, 30m"),
    )
    session.commit()
    assert event.status == "draft" and event.revision == 0
    assert event.slug.startswith("marsch-gegen-den-krieg-berlin-") and len(event.slug) == 34
    assert format_when(event.starts_at, event.timezone) == "Sunday 29 November 2026, 13:00 CET"
    assert event.starts_at.hour == 12  # 13:00 CET is 12:00 UTC
    assert event.reminder_offsets == [1440, 120, 30]
    owner = session.scalar(select(EventOrganiser).where(EventOrganiser.event_id == event.id))
    assert (owner.user_id, owner.is_owner) == (user.id, True)


def test_two_events_with_one_title_get_different_slugs(session):
    user = make_user(session)
    first = events.create_event(session, owner_id=user.id, now=NOW, details=details())
    second = events.create_event(session, owner_id=user.id, now=NOW, details=details())
    assert first.slug != second.slug


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"ends_local": datetime(2026, 11, 29, 12, 0)}, "ends_at", "The end must be after"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "is not a time zone we know"),
        (
            {
                "starts_local": datetime(2027, 3, 28, 2, 30),
                "ends_local": datetime(2027, 3, 28, 5, 0),
            },
            "starts_at",
            "does not exist",
        ),
        ({"title": "   "}, "title", "Give the demonstration a title"),
        ({"max_party_size": 51}, "max_party_size", "from 1 to 50"),
        ({"reminder_offsets": "tomorrow"}, "reminder_offsets", "is not a reminder time"),
    ],
)
def test_bad_details_raise_on_the_field_and_leave_the_event_unchanged(
    session, change, field, message
):
    user = make_user(session)
    event = make_event(session, user.id, as_organiser=True, published=False)
    session.commit()
    before = (event.title, event.starts_at, event.ends_at, event.timezone, event.max_party_size)
    with pytest.raises(DomainError, match=message) as caught:
        events.update_event(session, event, details(**change), NOW)
    assert caught.value.field == field
    session.rollback()
    stored = session.get(Event, event.id)
    after = (stored.title, stored.starts_at, stored.ends_at, stored.timezone, stored.max_party_size)
    assert after == before


def test_render_description_keeps_markdown_and_drops_html(session):
    html = events.render_description(
        "**Bring water**\n\n<script>alert(1)</script>\n\n[map](javascript:alert(1)) "
        "[ok](https://example.org)"
    )
    assert "<strong>Bring water</strong>" in html
    assert "<script>" not in html and 'href="javascript' not in html
    assert 'href="https://example.org"' in html


def test_save_route_replaces_points_keeps_length_and_relinks_schedule_by_label(session):
    user = make_user(session)
    event = make_event(session, user.id, as_organiser=True, published=False)
    shorter = parse_text(
        "52.5100, 13.3765, Potsdamer Platz, assembly\n52.5168, 13.3830, Russian embassy, end\n"
    )
    events.save_route(session, event, shorter, NOW)
    session.commit()
    session.expire_all()
    stored = session.get(Event, event.id)
    assert [(p.lat, p.lon) for p in stored.route_points] == [(52.51, 13.3765), (52.5168, 13.383)]
    assert 850 < stored.route_length_m < 900
    labels = {w.id: w.label for w in stored.waypoints}
    assert [labels[i.waypoint_id] for i in stored.schedule_items] == [
        "Potsdamer Platz",
        "Russian embassy",
    ]


def test_cancel_needs_a_reason(session):
    user = make_user(session)
    event = make_event(session, user.id, as_organiser=True)
    with pytest.raises(DomainError) as caught:
        events.cancel(session, event, "  ", NOW)
    assert caught.value.field == "reason" and event.status == "published"
    events.cancel(session, event, "Police banned the route.", NOW)
    assert (event.status, event.cancel_reason) == ("cancelled", "Police banned the route.")


def test_duplicate_copies_everything_as_a_draft_weeks_later_at_the_same_local_time(session):
    user = make_user(session)
    # 2027-03-21 is a week before the clocks change: the copy keeps 13:00 local (CEST).
    event = make_event(
        session,
        user.id,
        as_organiser=True,
        starts_local=datetime(2027, 3, 21, 13, 0),
        ends_local=datetime(2027, 3, 21, 16, 0),
    )
    event.roles = [Role(seq=0, name="Stewards", needed=10)]
    session.flush()
    copy = events.duplicate(session, event, owner_id=user.id, weeks=1)
    session.commit()
    assert copy.status == "draft" and copy.slug != event.slug and copy.revision == 0
    assert format_when(copy.starts_at, copy.timezone) == "Sunday 28 March 2027, 13:00 CEST"
    assert [(p.lat, p.lon) for p in copy.route_points] == [
        (p.lat, p.lon) for p in event.route_points
    ]
    assert [w.label for w in copy.waypoints] == [w.label for w in event.waypoints]
    assert [r.name for r in copy.roles] == ["Stewards"]
    labels = {w.id: w.label for w in copy.waypoints}
    assert [(i.title, labels[i.waypoint_id]) for i in copy.schedule_items] == [
        ("Assembly", "Potsdamer Platz"),
        ("Rally at the embassy", "Russian embassy"),
    ]
    assert format_when(copy.schedule_items[1].starts_at, "Europe/Berlin").endswith("15:00 CEST")


def test_duplicate_to_a_new_date(session):
    user = make_user(session)
    event = make_event(session, user.id, as_organiser=True, published=False)
    copy = events.duplicate(session, event, owner_id=user.id, new_date=date(2027, 1, 10))
    assert format_when(copy.starts_at, copy.timezone) == "Sunday 10 January 2027, 13:00 CET"


def test_demo_seed_creates_the_berlin_march_once_and_moves_it_when_past(session):
    from datetime import UTC

    from services.events import demo

    wednesday = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
    demo.seed(session, email="demo@example.org", password="demo password 123", now=wednesday)
    demo.seed(session, email="demo@example.org", password="demo password 123", now=wednesday)
    [march] = session.scalars(select(Event)).all()
    assert (march.slug, march.status) == ("berlin-march-demo", "published")
    assert format_when(march.starts_at, march.timezone) == "Sunday 29 November 2026, 13:00 CET"
    assert [w.kind for w in march.waypoints] == [
        "assembly",
        "first_aid",
        "stop",
        "end",
    ]
    # The toilets stand beside the route: not a point of its line.
    assert [(p.kind, p.label) for p in march.places] == [
        ("toilets", "Toilets at Pariser Platz (north side)")
    ]
    assert (march.places[0].lat, march.places[0].lon) not in {
        (p.lat, p.lon) for p in march.route_points
    }
    assert [(s.kind, s.note) for s in march.sections] == [
        ("rough", "Cobblestones across Pariser Platz")
    ]
    assert march.is_step_free_available
    assert 12 <= len(march.route_points) <= 20
    assert [(r.name, r.needed) for r in march.roles] == [("Stewards", 10), ("Medics", 4)]
    assert [format_when(i.starts_at, march.timezone)[-9:-4] for i in march.schedule_items] == [
        "13:00",
        "13:45",
        "14:30",
        "15:00",
    ]

    demo.seed(
        session,
        email="demo@example.org",
        password="demo password 123",
        now=datetime(2026, 12, 2, 12, 0, tzinfo=UTC),
    )
    assert format_when(march.starts_at, march.timezone) == "Sunday 6 December 2026, 13:00 CET"
    assert format_when(march.schedule_items[-1].starts_at, march.timezone).endswith("15:00 CET")


def test_a_published_event_cannot_move_into_the_past(session):
    # NOW is 1 November 2026, four weeks before the march.
    event = make_event(session, make_user(session).id, as_organiser=True)
    before = (event.starts_at, event.ends_at, event.revision)
    with pytest.raises(DomainError, match="cannot move into the past") as caught:
        events.update_event(
            session,
            event,
            details(starts_local=datetime(2026, 10, 20, 13, 0)),
            NOW,
        )
    assert caught.value.field == "starts_at"
    session.rollback()
    stored = session.get(Event, event.id)
    assert (stored.starts_at, stored.ends_at, stored.revision) == before


def test_a_march_under_way_can_still_be_edited_without_moving_its_start(session):
    event = make_event(session, make_user(session).id, as_organiser=True)
    during = event.starts_at.replace(minute=30)  # half an hour after the start
    events.update_event(session, event, details(title="March, now with a new title"), during)
    assert event.title == "March, now with a new title"


def test_a_draft_may_be_dated_in_the_past_while_it_is_prepared(session):
    event = make_event(session, make_user(session).id, as_organiser=True, published=False)
    events.update_event(
        session,
        event,
        details(
            starts_local=datetime(2026, 10, 20, 13, 0), ends_local=datetime(2026, 10, 20, 16, 0)
        ),
        NOW,
    )
    assert event.starts_at.month == 10
