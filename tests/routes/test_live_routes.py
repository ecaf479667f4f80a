"""The live feed answers 304 when nothing changed; stewards report the march's position."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models import EventChange, MarchPosition, Waypoint, utcnow
from services.live import positions as march
from tests.factories import march_under_way


@pytest.fixture
def event(session, organiser):
    return march_under_way(session, organiser[0], now=utcnow(), slug="live-march", with_gate=True)


def test_feed_lists_updates_and_answers_304_when_unchanged(client, session, event):
    session.add(
        EventChange(
            event_id=event.id,
            revision=1,
            kind="update",
            is_update=True,
            summary="We start 15 minutes late.",
        )
    )
    session.commit()
    first = client.get("/e/live-march/live.json")
    assert first.status_code == 200
    assert first.json["updates"][0]["summary"] == "We start 15 minutes late."
    assert "public" in first.headers["Cache-Control"]
    again = client.get("/e/live-march/live.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""

    session.add(
        EventChange(
            event_id=event.id,
            revision=2,
            kind="update",
            is_update=True,
            summary="Meet at the south exit.",
        )
    )
    session.commit()
    changed = client.get(
        "/e/live-march/live.json", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert changed.status_code == 200
    assert [u["summary"] for u in changed.json["updates"]][0] == "Meet at the south exit."


def test_feed_with_garbage_etag_is_a_normal_answer(client, event):
    response = client.get("/e/live-march/live.json", headers={"If-None-Match": '"\x00garbage,,W/'})
    assert response.status_code == 200


def test_feed_of_a_draft_is_not_found(client, session, event):
    event.status = "draft"
    session.commit()
    assert client.get("/e/live-march/live.json").status_code == 404


def test_steward_reports_position_by_nearest_place_without_account(client, session, event):
    token = march.create_steward_link(session, event, label="Front", now=utcnow())
    session.commit()
    page = client.get(f"/steward/{token}")
    assert page.status_code == 200 and "Brandenburg Gate" in page.get_data(as_text=True)
    waypoint_id = session.scalar(select(Waypoint.id))
    response = client.submit(f"/steward/{token}", {"part": "front", "place": f"w{waypoint_id}"})
    assert response.status_code == 302
    position = session.scalar(select(MarchPosition))
    assert (position.lat, position.lon) == (52.5163, 13.3777)
    feed = client.get("/e/live-march/live.json").json
    assert feed["position"]["front"]["lat"] == 52.5163
    assert feed["position"]["front"]["near"] == "Brandenburg Gate"


def test_position_far_off_the_route_is_explained_on_the_form(client, session, event):
    token = march.create_steward_link(session, event, label="Front", now=utcnow())
    session.commit()
    response = client.submit(
        f"/steward/{token}", {"part": "front", "lat": "52.52", "lon": "13.405"}
    )
    assert response.status_code == 422
    assert "m from the route" in response.get_data(as_text=True)
    assert session.scalar(select(MarchPosition.id)) is None


def test_expired_or_unknown_steward_link_is_not_found(client, session, event):
    token = march.create_steward_link(
        session, event, label="Front", now=utcnow() - timedelta(hours=13)
    )
    session.commit()
    assert client.get(f"/steward/{token}").status_code == 404
    assert client.get("/steward/not-a-real-token").status_code == 404


def test_position_reports_are_rate_limited(app, client, session, event):
    app.config["POSITION_RATE_LIMIT"] = "2 per minute"
    token = march.create_steward_link(session, event, label="Front", now=utcnow())
    session.commit()
    csrf = client.csrf_token(f"/steward/{token}")
    statuses = [
        client.post(f"/steward/{token}", data={"csrf_token": csrf, "part": "end"}).status_code
        for _ in range(3)
    ]
    assert statuses == [422, 422, 429]


def test_steward_links_are_managed_only_by_the_events_organisers(client, logged_in, event):
    response = logged_in.submit(
        f"/organise/events/{event.id}/stewards", {"label": "Front team", "hours": "6"}
    )
    assert "/steward/" in response.get_data(as_text=True)
    logged_in.submit("/logout", form_page="/dashboard/")
    assert client.get(f"/organise/events/{event.id}/stewards").status_code in (302, 404)


def test_service_worker_is_served_from_the_root_scope(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "javascript" in response.content_type
    assets = client.get("/offline-assets.json").json
    assert "/static/js/live.js" in assets


def test_feed_is_compressed_and_still_answers_304(client, event):
    first = client.get("/e/live-march/live.json", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    again = client.get(
        "/e/live-march/live.json",
        headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


def test_pages_are_sent_compressed(client):
    response = client.get("/signup", headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["Content-Encoding"] == "br"
