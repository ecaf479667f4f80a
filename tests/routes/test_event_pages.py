"""Anyone can read a published demonstration's page, calendar file and route; drafts stay
hidden; the page costs the same queries however big the route and schedule are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import event as sa_event

from core.extensions import db
from models import Event, EventChange, utcnow
from services import events
from services.route import Point, Route, Waypoint
from services.times import to_local
from tests.factories import make_event, make_user
from tests.plugins.app import log_in


def publish_event(app, owner_id: int, **changes) -> tuple[int, str]:
    with app.app_context():
        event = make_event(db.session, owner_id, as_organiser=True, **changes)
        db.session.commit()
        return event.id, event.slug


def test_published_page_says_everything_as_text(app, client, organiser):
    _, slug = publish_event(app, organiser[0])
    response = client.get(f"/e/{slug}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sunday 29 November 2026, 13:00 CET" in html and "16:00" in html
    assert "Assemble at" in html and "Potsdamer Platz, Berlin" in html
    # The waypoints and schedule are text, the map only an enhancement of them.
    for n, label in enumerate(["Potsdamer Platz", "Brandenburg Gate", "Russian embassy"], 1):
        assert f'data-waypoint-n="{n}"' in html and f"<strong>{label}</strong>" in html
    assert "Rally at the embassy" in html and "at 3. Russian embassy" in html
    # Hidden until the map script shows it: without JavaScript it would do nothing.
    assert (
        '<button type="button" class="link" data-waypoint-n="3" hidden>Show on map</button>' in html
    )
    assert 'id="route-map-data"' in html and "Add to calendar" in html
    assert "http://127.0.0.1:5000/e/" + slug in html


def test_draft_is_404_to_anonymous_and_other_organisers_and_a_preview_to_its_own(
    app, client, organiser
):
    with app.app_context():
        draft = make_event(db.session, organiser[0], as_organiser=True, published=False)
        db.session.commit()
        slug = draft.slug
    paths = [f"/e/{slug}", f"/e/{slug}.ics", f"/e/{slug}/route.gpx", f"/e/{slug}/route.geojson"]
    for path in paths:
        assert client.get(path).status_code == 404, path
    with app.app_context():
        make_user(
            db.session, "other@example.org", display_name="Other", password="another long password"
        )
    other = app.test_client()
    log_in(other, "other@example.org", "another long password")
    for path in paths:
        assert other.get(path).status_code == 404, path
    log_in(client, organiser[1], organiser[2])
    response = client.get(f"/e/{slug}")
    assert response.status_code == 200 and "Draft preview" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_cancelled_page_shows_the_reason(app, client, organiser):
    with app.app_context():
        event = make_event(db.session, organiser[0], as_organiser=True)
        events.cancel(db.session, event, "The police banned the route.", utcnow())
        db.session.commit()
        slug = event.slug
    html = client.get(f"/e/{slug}").get_data(as_text=True)
    assert "Cancelled." in html and "The police banned the route." in html
    assert "Cancelled: The police banned the route." in html  # in "Changes and updates"


def test_event_at_1300_after_the_dst_change_shows_1300_and_its_ics_holds_1100_utc(
    app, client, organiser
):
    _, slug = publish_event(
        app,
        organiser[0],
        starts_local=datetime(2027, 4, 4, 13, 0),
        ends_local=datetime(2027, 4, 4, 16, 0),
    )
    assert "Sunday 4 April 2027, 13:00 CEST" in client.get(f"/e/{slug}").get_data(as_text=True)
    response = client.get(f"/e/{slug}.ics")
    assert response.mimetype == "text/calendar"
    item = icalendar.Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert item.decoded("dtstart").astimezone(UTC) == datetime(2027, 4, 4, 11, 0, tzinfo=UTC)


def test_route_files_and_ics_are_publicly_cacheable_with_an_etag(app, client, organiser):
    _, slug = publish_event(app, organiser[0])
    response = client.get(f"/e/{slug}/route.geojson")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    etag = response.headers["ETag"]
    again = client.get(f"/e/{slug}/route.geojson", headers={"If-None-Match": etag})
    assert again.status_code == 304


def add_bulk(app, event_id: int, n: int) -> None:
    """Make the event's route, waypoints, schedule and change list ``n`` long."""
    with app.app_context():
        event = db.session.get(Event, event_id)
        points = [Point(52.5 + i * 1e-4, 13.37 + i * 1e-4) for i in range(n)]
        waypoints = [Waypoint(p.lat, p.lon, "stop", f"Stop {i}") for i, p in enumerate(points)]
        events.save_route(db.session, event, Route(tuple(points), tuple(waypoints)), utcnow())
        start = to_local(event.starts_at, event.timezone).replace(tzinfo=None)
        events.save_schedule(
            db.session,
            event,
            [
                events.ScheduleEntry(
                    start + timedelta(minutes=i % 180), f"Item {i}", "", event.waypoints[i].id
                )
                for i in range(n)
            ],
            utcnow(),
        )
        db.session.add_all(
            EventChange(
                event_id=event.id, revision=i, kind="update", summary=f"Note {i}", is_update=True
            )
            for i in range(n)
        )
        db.session.commit()


def count_queries(app, client, path: str, statements: list[str] | None = None) -> int:
    statements = [] if statements is None else statements

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    engine = app.extensions["rallypoint.db"][0]
    sa_event.listen(engine, "before_cursor_execute", before)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa_event.remove(engine, "before_cursor_execute", before)
    return len(statements)


def test_event_page_uses_the_same_number_of_queries_for_5_or_500_of_everything(
    app, client, organiser
):
    _, other = publish_event(app, organiser[0])
    small_id, small = publish_event(app, organiser[0])
    large_id, large = publish_event(app, organiser[0])
    add_bulk(app, small_id, 5)
    add_bulk(app, large_id, 500)
    client.get(f"/e/{other}")  # warm up: first-request work must not count
    small_count = count_queries(app, client, f"/e/{small}")
    large_count = count_queries(app, client, f"/e/{large}")
    assert small_count == large_count
    # The page, the event and its parts (translations of its texts and marked sections among
    # them), the counters, the organiser, the urgent banner.
    assert small_count <= 16
    # Seen again, unchanged, the page is served from its validator: one query.
    statements: list[str] = []
    count_queries(app, client, f"/e/{large}", statements)
    assert [s for s in statements if s != "BEGIN"] == [statements[-1]]
    assert "FROM events LEFT OUTER JOIN rsvp_counts" in statements[-1]
    assert "Item 499" in client.get(f"/e/{large}").get_data(as_text=True)


def test_listing_filters_by_title_or_city_and_puts_past_events_apart(app, client, organiser):
    soon = to_local(utcnow() + timedelta(days=3), "Europe/Berlin").replace(
        tzinfo=None, hour=13, minute=0, second=0, microsecond=0
    )
    past = soon - timedelta(days=30)
    publish_event(
        app,
        organiser[0],
        title="Berlin peace march",
        starts_local=soon,
        ends_local=soon + timedelta(hours=3),
    )
    publish_event(
        app,
        organiser[0],
        title="Vigil",
        city="Hamburg",
        starts_local=soon + timedelta(days=1),
        ends_local=soon + timedelta(days=1, hours=2),
    )
    publish_event(
        app,
        organiser[0],
        title="Old march",
        starts_local=past,
        ends_local=past + timedelta(hours=2),
    )
    publish_event(
        app,
        organiser[0],
        title="Secret march",
        visibility="unlisted",
        starts_local=soon,
        ends_local=soon + timedelta(hours=1),
    )
    html = client.get("/events").get_data(as_text=True)
    upcoming, past_section = html.split('id="past-heading"')
    assert upcoming.index("Berlin peace march") < upcoming.index("Vigil")
    assert "Old march" in past_section and "Old march" not in upcoming
    assert "Secret march" not in html
    hamburg = client.get("/events?q=hamb").get_data(as_text=True)
    assert "Vigil" in hamburg and "Berlin peace march" not in hamburg
    assert "No upcoming demonstration matches" in client.get("/events?q=%25").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Berlin peace march" in home and 'href="/events"' in home
    feed = icalendar.Calendar.from_ical(client.get("/events.ics").data)
    assert sorted(str(e["summary"]) for e in feed.walk("VEVENT")) == ["Berlin peace march", "Vigil"]


@pytest.mark.parametrize("path", ["/e/no-such-event", "/e/no-such-event.ics"])
def test_unknown_slug_is_404(client, path):
    assert client.get(path).status_code == 404
