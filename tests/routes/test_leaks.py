"""Guessing links does not pay: a client that keeps asking for slugs and tokens that do not
exist is slowed down, on memory and on Redis storage alike."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import redis

from tests.factories import make_event
from tests.plugins.app import make_test_app
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
