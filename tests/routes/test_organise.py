"""Organisers manage their demonstrations through forms; nobody else can reach them."""

from __future__ import annotations

import io
import json
import sys

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from core.extensions import db
from models import Event, EventChange, RoutePoint
from services.route import parse_geojson, parse_gpx
from tests.factories import EVENT_FORM as NEW
from tests.factories import make_event, make_user
from tests.plugins.app import log_in

TEXT_ROUTE = (
    "52.5096, 13.3762, Potsdamer Platz, assembly\n52.5130, 13.3774\n"
    "52.5168, 13.3830, Russian embassy, end\n"
)


@pytest.fixture
def event_id(app, organiser) -> int:
    with app.app_context():
        event = make_event(db.session, organiser[0], as_organiser=True, published=False)
        db.session.commit()
        return event.id


@pytest.fixture
def stranger(app, client):
    """Another organiser, logged in on ``client``."""
    with app.app_context():
        make_user(
            db.session, "other@example.org", display_name="Other", password="another long password"
        )
    assert log_in(client, "other@example.org", "another long password").status_code == 302
    return client


def stored_points(session, event_id: int) -> list[tuple[float, float]]:
    session.expire_all()
    return [
        (p.lat, p.lon)
        for p in session.scalars(
            select(RoutePoint).where(RoutePoint.event_id == event_id).order_by(RoutePoint.seq)
        )
    ]


def test_organiser_creates_a_draft_and_sees_its_overview(logged_in, session):
    response = logged_in.submit("/organise/events/new", NEW)
    assert response.status_code == 302
    event = session.scalar(select(Event))
    assert response.headers["Location"] == f"/organise/events/{event.id}"
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "March against the war" in page and "Draft" in page
    assert "Sunday 29 November 2026, 13:00 CET" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"ends_at": "2026-11-29T12:00"}, "ends_at", "The end must be after the start."),
        ({"timezone": "Europe/Atlantis"}, "timezone", "is not a time zone we know"),
        (
            {"starts_at": "2027-03-28T02:30", "ends_at": "2027-03-28T05:00"},
            "starts_at",
            "does not exist on 28 March 2027",
        ),
        ({"starts_at": "yesterday"}, "starts_at", "Enter the date and time it starts"),
        ({"max_party_size": "99"}, "max_party_size", "Enter a number from 1 to 50."),
    ],
)
def test_bad_details_show_a_message_next_to_the_field_and_store_nothing(
    logged_in, session, event_id, change, field, message
):
    before = session.get(Event, event_id)
    stored = (before.title, before.starts_at, before.ends_at, before.timezone)
    response = logged_in.submit(
        f"/organise/events/{event_id}/edit", {**NEW, "title": "Changed title", **change}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert 'value="Changed title"' in html  # what was typed is kept
    session.expire_all()
    after = session.get(Event, event_id)
    assert (after.title, after.starts_at, after.ends_at, after.timezone) == stored


PAGES = ["", "/edit", "/route", "/schedule", "/cancel", "/duplicate", "/organisers"]
POSTS = ["/edit", "/route", "/schedule", "/publish", "/cancel", "/duplicate", "/organisers"]


def test_another_organiser_gets_404_on_every_management_page(stranger, event_id, session):
    for suffix in PAGES:
        assert stranger.get(f"/organise/events/{event_id}{suffix}").status_code == 404, suffix
    token = stranger.csrf_token("/organise/events/new")
    for suffix in POSTS:
        response = stranger.post(
            f"/organise/events/{event_id}{suffix}",
            data={"csrf_token": token, "reason": "x", "weeks": "1"},
        )
        assert response.status_code == 404, suffix
    assert session.get(Event, event_id).status == "draft"


def test_anonymous_visitor_is_sent_to_log_in_whether_or_not_the_event_exists(client, event_id):
    # The same answer for an existing and a missing id: nothing about the event is revealed.
    for suffix in PAGES:
        existing = client.get(f"/organise/events/{event_id}{suffix}")
        missing = client.get(f"/organise/events/999999{suffix}")
        assert existing.status_code == missing.status_code == 302
        assert existing.headers["Location"].startswith("/login")


def test_route_typed_as_text_is_saved(logged_in, session, event_id):
    response = logged_in.submit(f"/organise/events/{event_id}/route", {"points_text": TEXT_ROUTE})
    assert response.status_code == 302
    assert stored_points(session, event_id) == [
        (52.5096, 13.3762),
        (52.513, 13.3774),
        (52.5168, 13.383),
    ]
    page = logged_in.get(f"/organise/events/{event_id}/route").get_data(as_text=True)
    assert "52.5096, 13.3762, Potsdamer Platz, assembly" in page
    assert 'data-editor-for="points_text"' in page


BAD_FILES = [
    ("route.gpx", b"<gpx><trk><trkseg><trkpt lat='52.5' lon='13.4'>", "could not be read"),
    (
        "route.gpx",
        b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaa">]><gpx>&a;</gpx>',
        "DTD or entities",
    ),
    ("route.geojson", b'{"type": "Point", "coordinates": [13.4, 52.5]}', "single LineString"),
    (
        "route.geojson",
        b'{"type": "LineString", "coordinates": [[13.4, 952.5], [13.5, 52.5]]}',
        "latitude must be between",
    ),
    ("route.geojson", b"{not json", "not valid JSON"),
    ("notes.txt", b"hello", "Upload a GPX (.gpx), KML (.kml), KMZ (.kmz) or GeoJSON"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_bad_upload_is_explained_and_the_stored_route_stays(
    logged_in, session, event_id, name, data, message
):
    before = stored_points(session, event_id)
    response = logged_in.submit(
        f"/organise/events/{event_id}/route",
        {"points_text": TEXT_ROUTE, "route_file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="route_file-error"' in html and message in html
    assert stored_points(session, event_id) == before


def test_bad_text_is_explained_next_to_the_textarea_and_kept(logged_in, session, event_id):
    before = stored_points(session, event_id)
    response = logged_in.submit(
        f"/organise/events/{event_id}/route", {"points_text": "52.5, 13.4\n95.0, 13.4\n"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="points_text-error"' in html and "Line 2: latitude must be between" in html
    assert "95.0, 13.4" in html
    assert stored_points(session, event_id) == before


def test_gpx_and_geojson_round_trip_through_export_and_import(logged_in, session, event_id):
    overview = f"/organise/events/{event_id}"
    logged_in.submit(f"{overview}/publish", form_page=overview)
    slug = session.get(Event, event_id).slug
    original = stored_points(session, event_id)
    for ext in ("gpx", "geojson"):
        exported = logged_in.get(f"/e/{slug}/route.{ext}")
        assert exported.status_code == 200
        if ext == "geojson":
            assert json.loads(exported.data)["type"] == "FeatureCollection"
        response = logged_in.submit(
            f"/organise/events/{event_id}/route",
            {"points_text": "", "route_file": (io.BytesIO(exported.data), f"r.{ext}")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302, ext
        assert stored_points(session, event_id) == original
        again = logged_in.get(f"/e/{slug}/route.{ext}")
        assert again.data == exported.data


def test_schedule_item_added_edited_and_removed(logged_in, session, event_id):
    path = f"/organise/events/{event_id}/schedule"
    waypoint = session.get(Event, event_id).waypoints[1]
    response = logged_in.submit(
        path,
        {
            "time": "14:30",
            "date": "2026-11-29",
            "title": "Rally at the Gate",
            "waypoint_id": str(waypoint.id),
        },
    )
    assert response.status_code == 302
    page = logged_in.get(path).get_data(as_text=True)
    assert "Sunday 29 November 2026, 14:30 CET" in page and "Rally at the Gate" in page
    session.expire_all()
    item = next(
        i for i in session.get(Event, event_id).schedule_items if i.title == "Rally at the Gate"
    )
    assert item.waypoint_id == waypoint.id
    edit = f"{path}/{item.id}"
    assert (
        logged_in.submit(
            edit, {"time": "14:45", "date": "2026-11-29", "title": "Rally at the Gate"}
        ).status_code
        == 302
    )
    assert "14:45 CET" in logged_in.get(path).get_data(as_text=True)
    assert logged_in.submit(f"{edit}/delete", {}, form_page=path).status_code == 302
    assert "Rally at the Gate" not in logged_in.get(path).get_data(as_text=True)


def test_schedule_time_skipped_by_dst_is_a_field_error(logged_in, session, event_id):
    response = logged_in.submit(
        f"/organise/events/{event_id}/schedule",
        {"time": "02:30", "date": "2027-03-28", "title": "Night walk"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="time-error"' in html and "does not exist" in html


def test_publish_cancel_with_reason_and_duplicate(logged_in, session, event_id):
    overview = f"/organise/events/{event_id}"
    assert logged_in.submit(f"{overview}/publish", {}, form_page=overview).status_code == 302
    response = logged_in.submit(f"{overview}/cancel", {"reason": ""})
    assert response.status_code == 422 and 'id="reason-error"' in response.get_data(as_text=True)
    assert logged_in.submit(f"{overview}/cancel", {"reason": "Storm warning."}).status_code == 302
    session.expire_all()
    event = session.get(Event, event_id)
    assert event.status == "cancelled" and event.revision == 1
    assert session.scalar(select(EventChange.summary)) == "Cancelled: Storm warning."
    response = logged_in.submit(f"{overview}/duplicate", {"weeks": "2"})
    copy = session.scalar(select(Event).where(Event.id != event_id))
    assert response.headers["Location"] == f"/organise/events/{copy.id}"
    assert copy.status == "draft" and len(copy.route_points) == len(event.route_points)


def test_dashboard_groups_events_by_status(logged_in, session, organiser, event_id):
    make_event(session, organiser[0], as_organiser=True, title="Published march")
    session.commit()
    html = logged_in.get("/dashboard/").get_data(as_text=True)
    assert "Create a demonstration" in html
    drafts = html.index("Drafts")
    upcoming = html.index("Upcoming")
    assert drafts < html.index("March against the war") < upcoming < html.index("Published march")


def test_upload_over_the_request_limit_is_explained_on_the_route_form(logged_in, session, event_id):
    logged_in.submit(f"/organise/events/{event_id}/route", {"points_text": TEXT_ROUTE})
    before = stored_points(session, event_id)
    token = logged_in.csrf_token(f"/organise/events/{event_id}/route")
    huge = io.BytesIO(b"<gpx>" + b" " * (5 * 1024 * 1024) + b"</gpx>")
    response = logged_in.post(
        f"/organise/events/{event_id}/route",
        data={"csrf_token": token, "route_file": (huge, "huge.gpx")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert 'id="route_file-error"' in html and "The file is larger than 2 MB." in html
    assert "52.5096, 13.3762, Potsdamer Platz, assembly" in html  # the stored route, shown
    assert stored_points(session, event_id) == before


def _try_to_write(database_url: str, event_id: int) -> str:
    """From a connection of its own, without waiting: lock the event for writing.
    "written" if that worked at once, else the database's complaint."""
    sqlite = database_url.startswith("sqlite")
    engine = create_engine(database_url, connect_args={"timeout": 0} if sqlite else {})
    try:
        with engine.connect() as conn:
            if sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, as a POST takes it
            else:
                conn.execute(
                    text("SELECT id FROM events WHERE id = :id FOR UPDATE NOWAIT"), {"id": event_id}
                )
            conn.rollback()
        return "written"
    except OperationalError as err:
        return str(err.orig)
    finally:
        engine.dispose()


@pytest.mark.parametrize("name", ["route.gpx", "route.geojson"])
def test_an_upload_is_parsed_while_others_can_write(
    logged_in, session, event_id, database_url, name
):
    # While the file is parsed, another connection tries to write with no patience at all
    # (busy timeout 0, NOWAIT): a lock held during parsing would make it fail at once.
    logged_in.submit(f"/organise/events/{event_id}/route", {"points_text": TEXT_ROUTE})
    slug = session.get(Event, event_id).slug
    logged_in.submit(
        f"/organise/events/{event_id}/publish", form_page=f"/organise/events/{event_id}"
    )
    exported = logged_in.get(f"/e/{slug}/{name}").data
    parser = (parse_gpx if name.endswith(".gpx") else parse_geojson).__code__
    seen: list[str] = []

    def when_parsing_starts(frame, event, _arg):
        if event == "call" and frame.f_code is parser and not seen:
            seen.append(_try_to_write(database_url, event_id))

    sys.setprofile(when_parsing_starts)
    try:
        response = logged_in.submit(
            f"/organise/events/{event_id}/route",
            {"points_text": "", "route_file": (io.BytesIO(exported), name)},
            content_type="multipart/form-data",
        )
    finally:
        sys.setprofile(None)
    assert seen == ["written"]
    assert response.status_code == 302
    assert len(stored_points(session, event_id)) == 3


@pytest.mark.parametrize(
    "title",
    ["March\r\nBcc: everyone@example.org", "March\x00", "March \u202egpx.exe", "March\u2028"],
    ids=["crlf", "nul", "bidi-override", "line-separator"],
)
def test_control_characters_in_a_title_are_refused_next_to_it_and_nothing_is_stored(
    logged_in, session, event_id, title
):
    # A line break in a title made every change notice fail (it goes into the Subject)
    count = len(session.scalars(select(Event)).all())
    for path in ("/organise/events/new", f"/organise/events/{event_id}/edit"):
        response = logged_in.submit(path, {**NEW, "title": title})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, path
        assert 'id="title-error"' in html and "Remove the invisible control characters" in html
    session.expire_all()
    assert len(session.scalars(select(Event)).all()) == count
    assert session.get(Event, event_id).title != title


def test_line_breaks_stay_allowed_in_a_description_but_overrides_do_not(
    logged_in, session, event_id
):
    edit = f"/organise/events/{event_id}/edit"
    refused = logged_in.submit(edit, {**NEW, "description_md": "Bring\u202e water"})
    assert refused.status_code == 422
    assert 'id="description_md-error"' in refused.get_data(as_text=True)
    assert logged_in.submit(edit, {**NEW, "description_md": "Bring\r\n\twater"}).status_code == 302
    session.expire_all()
    assert session.get(Event, event_id).description_md.replace("\r\n", "\n") == "Bring\n\twater"


def test_right_to_left_marks_in_a_title_are_kept(logged_in, session, event_id):
    title = "\u0645\u0633\u064a\u0631\u0629\u200f 2026"  # Arabic "march", RLM, a year
    response = logged_in.submit(f"/organise/events/{event_id}/edit", {**NEW, "title": title})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Event, event_id).title == title
