"""A participant's phone opens an event page: the map shows tiles, and every request the page
makes goes to our own server (tiles through /tiles/, from a tile server on loopback)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from core.extensions import db
from tests.factories import make_event


@pytest.fixture
def app_settings(tile_server, tmp_path):
    return {
        "TILE_URL": "/tiles/{z}/{x}/{y}.png",
        "TILE_UPSTREAM_URL": tile_server.url,
        "TILE_CACHE_DIR": str(tmp_path / "tiles"),
    }


def test_a_phone_loads_the_map_and_its_tiles_from_our_own_origin_only(
    app, live_server, page, organiser, tile_server
):
    with app.app_context():
        slug = make_event(db.session, organiser[0], as_organiser=True).slug
    requested, tiles_loaded = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "response",
        lambda response: (
            tiles_loaded.append(response.url)
            if "/tiles/" in response.url and response.status == 200
            else None
        ),
    )

    page.goto(f"{live_server}/e/{slug}")

    expect(page.locator(".leaflet-tile-loaded").first).to_be_visible()
    ours = urlsplit(live_server).netloc
    assert requested and {urlsplit(url).netloc for url in requested} == {ours}
    assert tiles_loaded
    assert tile_server.requests  # fetched by the server, not the phone
    expect(page.get_by_text("Rallypoint does not track you.")).to_be_visible()
