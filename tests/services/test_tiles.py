"""The tile proxy's rules: what it serves, how long it keeps a tile, and what it sends upstream."""

from __future__ import annotations

import threading
from datetime import timedelta
from email.utils import format_datetime

import pytest

from services import tiles
from tests.factories import NOW, make_event
from tests.plugins.tiles import BRANDENBURG_GATE, PARIS, TILE_PNG, png, tile_at

WEEK = timedelta(days=7)


def settings_for(server, tmp_path, **changes) -> tiles.TileSettings:
    values = {
        "upstream_url": server.url,
        "user_agent": "Rallypoint tile proxy (+https://rally.example.org)",
        "cache_dir": tmp_path / "tiles",
        "timeout": 5.0,
        "max_bytes": 64 * 1024,
        "min_cache_seconds": int(WEEK.total_seconds()),
        "min_zoom": 10,
        "max_zoom": 19,
    }
    return tiles.TileSettings(**{**values, **changes})


@pytest.fixture
def settings(tile_server, tmp_path) -> tiles.TileSettings:
    return settings_for(tile_server, tmp_path)


# --- the cache ------------------------------------------------------------------------------


def test_a_tile_is_fetched_once_then_served_from_the_cache(tile_server, settings):
    first = tiles.get_tile(settings, BRANDENBURG_GATE, NOW)
    again = tiles.get_tile(settings, BRANDENBURG_GATE, NOW + timedelta(days=6))

    assert first.png == again.png == TILE_PNG
    assert [r.path for r in tile_server.requests] == [
        f"/16/{BRANDENBURG_GATE.x}/{BRANDENBURG_GATE.y}.png"
    ]


def test_a_tile_is_kept_at_least_a_week_though_upstream_says_an_hour(tile_server, settings):
    answer = tiles.get_tile(settings, BRANDENBURG_GATE, NOW)

    assert answer.max_age == WEEK.total_seconds()
    assert tiles.get_tile(settings, BRANDENBURG_GATE, NOW + WEEK - timedelta(seconds=1))
    assert len(tile_server.requests) == 1


def test_an_expired_tile_is_fetched_again(tile_server, settings):
    tiles.get_tile(settings, BRANDENBURG_GATE, NOW)
    tile_server.body = png(rgb=(1, 2, 3))

    answer = tiles.get_tile(settings, BRANDENBURG_GATE, NOW + WEEK + timedelta(seconds=1))

    assert answer.png == png(rgb=(1, 2, 3))
    assert len(tile_server.requests) == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"Cache-Control": "public, max-age=2592000"},
        {"Expires": format_datetime(NOW + timedelta(days=30), usegmt=True)},
    ],
    ids=["cache-control", "expires"],
)
def test_a_longer_upstream_expiry_is_honoured(tile_server, settings, headers):
    tile_server.headers = {"Content-Type": "image/png", **headers}

    tiles.get_tile(settings, BRANDENBURG_GATE, NOW)
    tiles.get_tile(settings, BRANDENBURG_GATE, NOW + timedelta(days=29))
    tiles.get_tile(settings, BRANDENBURG_GATE, NOW + timedelta(days=31))

    assert len(tile_server.requests) == 2


def test_workers_fetching_one_tile_at_once_leave_one_whole_tile(tile_server, settings):
    answers = []
    workers = [
        threading.Thread(target=lambda: answers.append(tiles.get_tile(settings, PARIS, NOW)))
        for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert [a.png for a in answers] == [TILE_PNG] * 8
    folder = settings.cache_dir / "16" / str(PARIS.x)
    assert [p.name for p in folder.iterdir()] == [f"{PARIS.y}.png"]  # no half-written file
    assert (folder / f"{PARIS.y}.png").read_bytes() == TILE_PNG


# --- the upstream ---------------------------------------------------------------------------


def test_upstream_sees_our_user_agent_and_nothing_of_the_participant(tile_server, settings):
    tiles.get_tile(settings, BRANDENBURG_GATE, NOW)

    (seen,) = tile_server.requests
    assert seen.headers["User-Agent"] == "Rallypoint tile proxy (+https://rally.example.org)"
    # What http.client always sends, and our two headers: no cookie, address or referrer.
    assert set(seen.headers) <= {"Host", "Accept-Encoding", "User-Agent", "Accept"}


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (200, {"Content-Type": "image/png"}, TILE_PNG + b"\0" * 64 * 1024),
        (200, {"Content-Type": "text/html"}, b"<html>blocked</html>"),
        (200, {"Content-Type": "image/png"}, b"<html>not a png</html>"),
        (302, {"Location": "http://tracker.example/1.png"}, b""),
        (429, {"Content-Type": "image/png"}, TILE_PNG),
    ],
    ids=["too-big", "not-an-image", "not-a-png", "redirect", "refused"],
)
def test_an_unusable_upstream_answer_is_not_served_or_kept(
    tile_server, settings, status, headers, body
):
    tile_server.status, tile_server.headers, tile_server.body = status, headers, body

    assert tiles.get_tile(settings, BRANDENBURG_GATE, NOW) is None
    assert len(tile_server.requests) == 1  # the redirect was not followed
    assert not settings.cache_dir.exists()


def test_upstream_down_gives_no_tile(tmp_path):
    closed = settings_for(type("Down", (), {"url": "http://127.0.0.1:9/{z}/{x}/{y}.png"}), tmp_path)

    assert tiles.get_tile(closed, BRANDENBURG_GATE, NOW) is None


def test_upstream_failing_leaves_the_stale_copy_in_service(tile_server, settings):
    tiles.get_tile(settings, BRANDENBURG_GATE, NOW)
    tile_server.status = 503

    answer = tiles.get_tile(settings, BRANDENBURG_GATE, NOW + timedelta(days=8))

    assert answer.png == TILE_PNG
    assert answer.max_age == tiles.STALE_MAX_AGE


def test_no_upstream_serves_no_tile(tile_server, settings, tmp_path):
    none = settings_for(tile_server, tmp_path, upstream_url="")

    assert tiles.get_tile(none, BRANDENBURG_GATE, NOW) is None
    assert tile_server.requests == []


# --- the public area ------------------------------------------------------------------------


@pytest.fixture
def berlin_march(session, organiser):
    return make_event(session, organiser[0], as_organiser=True)


def test_tiles_around_a_published_route_are_public(session, settings, berlin_march):
    for z in range(10, 20):
        assert tiles.in_public_area(session, tile_at(52.5163, 13.3777, z), settings), z


def test_tiles_beyond_the_margin_or_the_zooms_are_not(session, settings, berlin_march):
    assert tiles.in_public_area(session, tile_at(52.5163, 13.4500, 16), settings)  # 5 km east
    assert not tiles.in_public_area(session, tile_at(52.5163, 13.6000, 16), settings)  # 15 km
    assert not tiles.in_public_area(session, PARIS, settings)
    assert not tiles.in_public_area(session, tile_at(52.5163, 13.3777, 9), settings)
    assert not tiles.in_public_area(session, tile_at(52.5163, 13.3777, 20), settings)
    assert not tiles.in_public_area(session, tiles.Tile(16, 1 << 16, 0), settings)


def test_a_draft_route_opens_no_area(session, organiser, settings):
    make_event(session, organiser[0], as_organiser=True, published=False)

    assert not tiles.in_public_area(session, BRANDENBURG_GATE, settings)


def test_third_party_host_is_named_and_our_own_path_is_not():
    assert tiles.third_party_host("https://tile.example.org/{z}/{x}/{y}.png") == "tile.example.org"
    assert tiles.third_party_host("https://{s}.tile.example.org/{z}/{x}/{y}.png") == (
        "tile.example.org"
    )
    assert tiles.third_party_host("/tiles/{z}/{x}/{y}.png") == ""
    assert tiles.third_party_host("") == ""
