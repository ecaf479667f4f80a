"""Guessing links does not pay: a client that keeps asking for slugs and tokens that do not
exist is slowed down, on memory and on Redis storage alike."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select

from models import Event, Rsvp, utcnow
from services.rsvp import attendees
from tests.factories import PASSWORD, add_rsvp, make_event, make_user
from tests.plugins.app import log_in, make_test_app
from tests.plugins.smtp import free_port
from tests.redis_server import redis_argv
from tests.waiting import real_clock, wait_until

GUESSER = {"REMOTE_ADDR": "198.51.100.7"}
NEIGHBOUR = {"REMOTE_ADDR": "198.51.100.8"}


@pytest.fixture
def app_settings():
    return {"NOT_FOUND_RATE_LIMIT": "3 per minute"}


@pytest.fixture
def slug(app, session) -> str:
    return make_event(session).slug


def test_a_client_that_keeps_missing_slugs_gets_429_with_retry_after(client, slug):
    misses = [client.get(f"/e/guess-{n}", environ_base=GUESSER).status_code for n in range(3)]
    assert misses == [404, 404, 404]

    response = client.get(f"/e/guess-{3}", environ_base=GUESSER)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in response.get_data(as_text=True)
    # A hit does not help the guesser either, while the rest of the site stays open to it...
    assert client.get(f"/e/{slug}", environ_base=GUESSER).status_code == 429
    assert client.get("/", environ_base=GUESSER).status_code == 200
    # ...and to everyone else.
    assert client.get(f"/e/{slug}", environ_base=NEIGHBOUR).status_code == 200


def test_every_kind_of_link_counts_towards_the_limit(client):
    paths = ["/manage/" + "x" * 43, "/unsubscribe/" + "y" * 43, "/e/guess/rsvp"]
    assert [client.get(p, environ_base=GUESSER).status_code for p in paths] == [404] * 3
    assert client.get("/steward/" + "z" * 43, environ_base=GUESSER).status_code == 429


def test_pages_that_are_found_never_count(client, slug):
    statuses = {client.get(f"/e/{slug}", environ_base=GUESSER).status_code for _ in range(10)}
    assert statuses == {200}
    assert client.get("/e/guess", environ_base=GUESSER).status_code == 404


@pytest.fixture
def redis_port(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not found: apt-get install redis-server")
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - the system's redis-server
        redis_argv(port, tmp_path), stdout=subprocess.DEVNULL, env=real_clock({})
    )
    try:

        def answers() -> bool:
            try:
                return redis.Redis(port=port).ping()
            except redis.ConnectionError:
                return False

        assert wait_until(answers, 20), "redis-server did not start"
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_limit_is_counted_in_redis_shared_by_all_web_processes(database_url, redis_port):
    settings = {
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/0",
        "NOT_FOUND_RATE_LIMIT": "2 per minute",
    }
    one, other = make_test_app(database_url, **settings), make_test_app(database_url, **settings)
    try:
        assert one.test_client().get("/e/guess-1", environ_base=GUESSER).status_code == 404
        assert other.test_client().get("/e/guess-2", environ_base=GUESSER).status_code == 404
        assert one.test_client().get("/e/guess-3", environ_base=GUESSER).status_code == 429
        assert redis.Redis(port=redis_port).keys("*link-not-found*"), "not counted in Redis"
    finally:
        for app in (one, other):
            app.extensions["rallypoint.db"][0].dispose()


# --- organisers erase the participants' details of a march that is over -------------------


def march(session, owner_id: int, *, days_ago: int) -> int:
    """A march of ``owner_id`` that ended ``days_ago`` days ago (negative: still to come),
    with two participants."""
    starts_at = utcnow().replace(microsecond=0) - timedelta(days=days_ago, hours=3)
    event = make_event(session, owner_id, starts_at=starts_at, capacity=20)
    add_rsvp(session, event, "zq.first@example.org", name="First Marcher", party_size=2)
    add_rsvp(session, event, "zq.second@example.org", name="Second Marcher")
    return event.id


def attendee_list(client, event_id: int) -> str:
    return client.get(f"/organise/events/{event_id}/attendees").get_data(as_text=True)


def test_organisers_erase_the_participants_details_of_a_march_that_is_over(
    logged_in, session, organiser
):
    event_id = march(session, organiser[0], days_ago=1)
    erase_page = f"/organise/events/{event_id}/attendees/erase"
    assert erase_page in attendee_list(logged_in, event_id)
    assert "This cannot be undone" in logged_in.get(erase_page).get_data(as_text=True)

    response = logged_in.submit(erase_page)

    assert response.status_code == 303
    html = attendee_list(logged_in, event_id)
    assert "erased" in html and "zq.first@example.org" not in html and "First Marcher" not in html
    rows = session.scalars(select(Rsvp).where(Rsvp.event_id == event_id)).all()
    assert [(r.email, r.name) for r in rows] == [(None, None), (None, None)]
    assert all(r.purged_at is not None for r in rows)
    assert attendees.totals(session, session.get(Event, event_id)).people == 3  # counts stay


def test_the_details_of_a_march_still_to_come_cannot_be_erased(logged_in, session, organiser):
    event_id = march(session, organiser[0], days_ago=-7)
    erase_page = f"/organise/events/{event_id}/attendees/erase"
    page = logged_in.get(erase_page).get_data(as_text=True)
    assert "once the demonstration is over" in page and "Erase now" not in page

    token = logged_in.csrf_token(f"/organise/events/{event_id}/attendees")
    response = logged_in.post(erase_page, data={"csrf_token": token})

    assert response.status_code == 422
    assert "once the demonstration is over" in response.get_data(as_text=True)
    assert "zq.first@example.org" in attendee_list(logged_in, event_id)


def test_only_the_events_organisers_may_erase_and_only_with_the_forms_token(
    app, client, session, organiser
):
    event_id = march(session, organiser[0], days_ago=1)
    erase_page = f"/organise/events/{event_id}/attendees/erase"
    assert client.get(erase_page).status_code == 302  # to the login page
    make_user(session, "other@example.org", display_name="Other")
    log_in(client, "other@example.org", PASSWORD)
    assert client.get(erase_page).status_code == 404
    token = client.csrf_token("/dashboard/")
    assert client.post(erase_page, data={"csrf_token": token}).status_code == 404
    owner = app.test_client()
    assert log_in(owner, organiser[1], organiser[2]).status_code == 302
    assert owner.post(erase_page).status_code == 400  # no CSRF token
    emails = session.scalars(select(Rsvp.email).where(Rsvp.event_id == event_id)).all()
    assert sorted(emails) == ["zq.first@example.org", "zq.second@example.org"]
