"""/tiles/: the map's images come from us, as a caching proxy of an upstream tile server (here a
small one on loopback, tests/plugins/tiles.py)."""

from __future__ import annotations

import pytest

from core import config
from tests.factories import make_event
from tests.plugins.app import log_in, make_test_app
from tests.plugins.tiles import BRANDENBURG_GATE, PARIS, TILE_PNG, tile_at

OWN_TILES = "/tiles/{z}/{x}/{y}.png"


def path(tile) -> str:
    return f"/tiles/{tile.z}/{tile.x}/{tile.y}.png"


@pytest.fixture
def app_settings(tile_server, tmp_path):
    return {
        "TILE_URL": OWN_TILES,
        "TILE_UPSTREAM_URL": tile_server.url,
        "TILE_CACHE_DIR": str(tmp_path / "tiles"),
        "TILE_USER_AGENT": "Rallypoint tile proxy (+https://rally.example.org)",
    }


@pytest.fixture
def march(session, organiser):
    return make_event(session, organiser[0], as_organiser=True)


def test_a_tile_of_a_published_route_comes_from_us_and_is_cached(client, tile_server, march):
    first = client.get(path(BRANDENBURG_GATE))
    second = client.get(path(BRANDENBURG_GATE))

    assert first.status_code == second.status_code == 200
    assert first.mimetype == "image/png" and first.data == second.data == TILE_PNG
    assert first.headers["Cache-Control"] == "public, max-age=604800"
    assert len(tile_server.requests) == 1


def test_the_event_page_points_its_map_at_our_own_tiles(client, march):
    response = client.get(f"/e/{march.slug}")

    html = response.get_data(as_text=True)
    assert '"url": "/tiles/{z}/{x}/{y}.png"' in html
    assert "img-src 'self' data:;" in response.headers["Content-Security-Policy"]
    assert "Rallypoint does not track you." in html
    assert "Map images come from" not in html


@pytest.mark.parametrize(
    "tile",
    [PARIS, tile_at(52.5163, 13.3777, 9), tile_at(52.5163, 13.3777, 20)],
    ids=["elsewhere", "zoomed-out", "zoomed-in"],
)
def test_a_tile_no_public_map_shows_is_refused_without_asking_upstream(
    client, tile_server, march, tile
):
    response = client.get(path(tile))

    assert response.status_code == 404
    assert tile_server.requests == []


def test_a_draft_route_opens_no_tiles_to_the_public(client, session, organiser, tile_server):
    make_event(session, organiser[0], as_organiser=True, published=False)

    assert client.get(path(BRANDENBURG_GATE)).status_code == 404
    assert tile_server.requests == []


def test_an_organiser_drawing_a_route_gets_tiles_anywhere_kept_private(
    client, organiser, tile_server
):
    log_in(client, organiser[1], organiser[2])

    response = client.get(path(PARIS))

    assert response.status_code == 200 and response.data == TILE_PNG
    assert response.headers["Cache-Control"].startswith("private,")


def test_nothing_of_the_participant_reaches_the_upstream(client, tile_server, march):
    client.set_cookie("session", "participant-session-cookie")
    client.get(
        path(BRANDENBURG_GATE),
        headers={
            "X-Forwarded-For": "198.51.100.7",
            "User-Agent": "Mozilla/5.0 (participant's phone)",
            "Referer": f"http://127.0.0.1:5000/e/{march.slug}",
            "Accept-Language": "ru",
        },
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )

    (seen,) = tile_server.requests
    assert seen.headers["User-Agent"] == "Rallypoint tile proxy (+https://rally.example.org)"
    sent = repr(seen.headers)
    for private in ("participant", "198.51.100.7", "203.0.113.9", march.slug, "ru"):
        assert private not in sent


def test_upstream_down_gives_a_quick_502_and_the_page_still_renders(app, client, march):
    app.config["TILE_UPSTREAM_URL"] = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # nothing listens

    response = client.get(path(BRANDENBURG_GATE))

    assert response.status_code == 502
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"/e/{march.slug}").status_code == 200


def test_a_non_image_upstream_answer_is_refused(client, tile_server, march):
    tile_server.headers, tile_server.body = {"Content-Type": "text/html"}, b"<p>hello</p>"

    assert client.get(path(BRANDENBURG_GATE)).status_code == 502


@pytest.mark.parametrize(
    "url",
    [
        "/tiles/16/../../../etc/passwd.png",
        "/tiles/16/%2e%2e/%2e%2e/secret_key.png",
        "/tiles/16/-1/5.png",
        "/tiles/16/abc/5.png",
        "/tiles/16/35210/21493.jpg",
    ],
)
def test_a_tile_path_is_three_numbers_only(client, tile_server, march, url):
    assert client.get(url).status_code == 404
    assert tile_server.requests == []


def test_tiles_are_rate_limited_per_client_address(app, client, tile_server, march):
    app.config["TILE_RATE_LIMIT"] = "3 per minute"

    statuses = [client.get(path(BRANDENBURG_GATE)).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_no_upstream_means_no_tiles_and_a_map_without_them(app, client, tile_server, march):
    app.config.update(TILE_URL="", TILE_UPSTREAM_URL="")  # as the suite's own settings

    assert client.get(path(BRANDENBURG_GATE)).status_code == 404
    assert '"url": ""' in client.get(f"/e/{march.slug}").get_data(as_text=True)
    assert tile_server.requests == []


def test_a_third_party_tile_server_is_named_next_to_the_map_and_in_the_footer(app, march):
    tile_url = "https://tile.example.org/{z}/{x}/{y}.png"
    third_party = make_test_app(app.config["DATABASE_URL"], TILE_URL=tile_url)

    response = third_party.test_client().get(f"/e/{march.slug}")

    html = response.get_data(as_text=True)
    assert "Map images come from tile.example.org, which sees your address." in html
    assert "Rallypoint does not track you" not in html
    assert "https://tile.example.org" in response.headers["Content-Security-Policy"]
    third_party.extensions["rallypoint.db"][0].dispose()


@pytest.mark.parametrize(
    ("environment", "tile_url"),
    [
        ({}, OWN_TILES),
        ({"TILE_UPSTREAM_URL": ""}, ""),
        (
            {"TILE_URL": "https://tile.example.org/{z}/{x}/{y}.png"},
            "https://tile.example.org/{z}/{x}/{y}.png",
        ),
        ({"TILE_URL": ""}, ""),
    ],
    ids=["default", "no-upstream", "third-party", "no-tiles"],
)
def test_pages_use_our_own_tiles_unless_told_otherwise(monkeypatch, environment, tile_url):
    for name in ("TILE_URL", "TILE_UPSTREAM_URL", "TILE_USER_AGENT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BASE_URL", "https://rally.example.org")

    settings = config.from_environment()

    assert settings["TILE_URL"] == tile_url
    assert settings["TILE_USER_AGENT"] == "Rallypoint tile proxy (+https://rally.example.org)"


def test_a_public_tile_sets_no_cookie_so_nginx_may_share_it(client, march):
    response = client.get(path(BRANDENBURG_GATE))

    assert "Set-Cookie" not in response.headers
