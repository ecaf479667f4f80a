"""The route map and the route editor on a phone, with no tiles and no network beyond the app.

The event and organiser pages are built elsewhere, so these tests serve two small pages of
their own that call the map macros the way those pages do.
"""

from __future__ import annotations

import pytest
from flask import current_app, render_template_string
from playwright.sync_api import Locator, Page, expect

MARCH_POINTS = [
    [52.5096, 13.3762],
    [52.5108, 13.3768],
    [52.5121, 13.3773],
    [52.5135, 13.3776],
    [52.5149, 13.3777],
    [52.5163, 13.3777],
    [52.5164, 13.3791],
    [52.5165, 13.3806],
    [52.5167, 13.3818],
    [52.5168, 13.3830],
]
WAYPOINTS = [
    {"n": 1, "lat": 52.5096, "lon": 13.3762, "kind": "assembly", "label": "Potsdamer Platz"},
    {"n": 2, "lat": 52.5163, "lon": 13.3777, "kind": "stop", "label": "Brandenburg Gate"},
    {"n": 3, "lat": 52.5150, "lon": 13.3790, "kind": "first_aid", "label": "Medics' tent"},
    {"n": 4, "lat": 52.5168, "lon": 13.3830, "kind": "end", "label": "Russian embassy"},
]

MAP_PAGE = """
{% extends "base.html" %}
{% from "macros/map.html" import map_assets, route_map %}
{% block head %}{{ map_assets() }}{% endblock %}
{% block content %}
<h1>March to the embassy</h1>
{{ route_map(data) }}
<ol class="list-plain">
  {% for w in data.waypoints %}
  <li><button type="button" class="button button--secondary" data-waypoint-n="{{ w.n }}">
    {{ w.n }}. {{ w.label }}</button></li>
  {% endfor %}
</ol>
{% endblock %}
"""

EDITOR_PAGE = """
{% extends "base.html" %}
{% from "macros/map.html" import editor_assets, route_editor %}
{% block head %}{{ editor_assets() }}{% endblock %}
{% block content %}
<h1>Draw the route</h1>
<form method="post" class="stack">
  {{ route_editor("route_text", data) }}
  <label for="route_text">Route points, one per line</label>
  <textarea id="route_text" name="route_text"></textarea>
</form>
{% endblock %}
"""


def _tiles() -> dict:
    return {"url": current_app.config["TILE_URL"], "attribution": "© OpenStreetMap contributors"}


def _map_page() -> str:
    data = {"points": MARCH_POINTS, "waypoints": WAYPOINTS, "tiles": _tiles()}
    return render_template_string(MAP_PAGE, data=data)


def _editor_page() -> str:
    # Centred on the march, so that the points the tests type are drawn inside the map, not
    # half outside its edge where a tap would first have to pan them into view.
    data = {"points": [], "waypoints": [], "tiles": _tiles(), "center": [52.5132, 13.3796]}
    return render_template_string(EDITOR_PAGE, data=data)


@pytest.fixture
def server(app, request) -> str:
    """The live server, with the test pages added before it serves its first request."""
    app.add_url_rule("/test-only/map", view_func=_map_page)
    app.add_url_rule("/test-only/editor", view_func=_editor_page)
    return request.getfixturevalue("live_server")


class Watch:
    """Console errors, uncaught exceptions, CSP violations and requests leaving the app."""

    def __init__(self, page: Page, origin: str) -> None:
        self.page = page
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.add_init_script(
            "window.__csp = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )

        def guard(route):
            if route.request.url.startswith(origin):
                route.continue_()
            else:  # no CDN, no tiles, no fonts from elsewhere
                self.outside.append(route.request.url)
                route.abort()

        page.route("**/*", guard)

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.page.evaluate("window.__csp") == []
        assert self.outside == []


@pytest.fixture
def watch(page, server) -> Watch:
    return Watch(page, server)


def _open_map(page: Page, server: str) -> None:
    page.goto(f"{server}/test-only/map")
    page.wait_for_function("window.__rallypointTestMaps?.length === 1")


def _open_editor(page: Page, server: str) -> None:
    page.goto(f"{server}/test-only/editor")
    page.wait_for_function("window.__rallypointTestEditors?.length === 1")


def _open_vertex_popup(page: Page, index: int) -> Locator:
    """Tap a vertex; return its popup once the map has stopped moving.

    A popup that would stick out of the map pans the map (Leaflet's auto-pan, animated over
    0.25 s), and the user taps a button in it when it has come to rest. A tap aimed at the
    sliding popup can miss: Playwright then retries by scrolling the button into view, which
    scrolls the map box itself (overflow: hidden); Leaflet scrolls it back a frame later, so
    the press lands on the button and the release beside it, and the click does nothing.
    Leaflet marks the map pane leaflet-pan-anim from the start of a pan until its end."""
    page.locator(".route-vertex").nth(index).click()
    popup = page.locator("#route_text-map .leaflet-popup")
    expect(popup).to_be_visible()
    expect(page.locator("#route_text-map .leaflet-map-pane.leaflet-pan-anim")).to_have_count(0)
    return popup


def _lines(page: Page) -> list[str]:
    return page.locator("#route_text").input_value().strip().splitlines()


def test_route_map_draws_the_line_and_numbered_waypoints_without_tiles(page, server, watch):
    _open_map(page, server)

    assert page.evaluate("__rallypointTestMaps[0].line.getLatLngs().length") == len(MARCH_POINTS)
    expect(page.locator("#route-map path.route-line")).to_be_visible()
    markers = page.locator("#route-map .waypoint-marker")
    expect(markers).to_have_text(["1", "2", "3", "4"])
    expect(page.locator(".waypoint-marker.waypoint-marker--first_aid")).to_have_count(1)
    expect(page.locator("#route-map .leaflet-tile")).to_have_count(0)
    expect(page.locator(".map-legend__item")).to_have_text(["Assembly", "Stop", "End", "First aid"])
    box = page.locator("#route-map").bounding_box()
    assert 280 <= box["height"] <= 520 and box["width"] <= 390
    for marker in markers.all():
        marker_box = marker.bounding_box()
        assert marker_box["width"] >= 32 and marker_box["height"] >= 32  # a finger hits it
    watch.assert_clean()


def test_waypoint_button_opens_that_markers_popup(page, server, watch):
    _open_map(page, server)
    popup = page.locator("#route-map .leaflet-popup-content")
    page.get_by_role("button", name="4. Russian embassy", exact=True).click()
    expect(popup).to_contain_text("Russian embassy")
    expect(popup).to_contain_text("End")

    page.get_by_role("button", name="Waypoint 1. Potsdamer Platz (Assembly)").focus()
    page.keyboard.press("Enter")
    expect(popup).to_have_count(1)  # the previous popup fades out and is removed
    expect(popup).to_contain_text("Potsdamer Platz")
    watch.assert_clean()


def test_without_javascript_the_map_box_stays_hidden(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/test-only/map")
    expect(page.locator("#route-map")).to_be_hidden()
    expect(page.get_by_text("1. Potsdamer Platz")).to_be_visible()
    context.close()


def test_editor_adds_drags_undoes_and_removes_points(page, server, watch):
    _open_editor(page, server)
    box = page.locator("#route_text-map").bounding_box()
    for fx, fy in [(0.3, 0.65), (0.5, 0.5), (0.7, 0.35)]:
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)

    added = _lines(page)
    assert len(added) == 3
    assert page.evaluate("__rallypointTestEditors[0].line.getLatLngs().length") == 3
    expect(page.locator(".route-vertex")).to_have_count(3)
    expect(page.locator(".map-editor-status")).to_contain_text("3 points")

    vertex = page.locator(".route-vertex").nth(1).bounding_box()
    x, y = vertex["x"] + vertex["width"] / 2, vertex["y"] + vertex["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y + 60, steps=8)
    page.mouse.up()
    dragged = _lines(page)
    assert dragged[0] == added[0] and dragged[2] == added[2]
    assert dragged[1] != added[1]

    page.get_by_role("button", name="Undo").click()
    assert _lines(page) == added

    popup = _open_vertex_popup(page, 0)
    popup.get_by_role("button", name="Remove point").click()
    assert _lines(page) == added[1:]
    expect(popup).to_have_count(0)
    expect(page.locator(".route-vertex")).to_have_count(2)
    watch.assert_clean()


def test_editor_makes_a_waypoint_and_follows_typing(page, server, watch):
    _open_editor(page, server)
    page.locator("#route_text").fill("52.5096, 13.3762\n52.5163, 13.3777\n")
    expect(page.locator(".route-vertex")).to_have_count(2)

    # One edit, like a paste: a slow machine must not see a half-typed number as the line.
    page.locator("#route_text").fill("52.5096, 13.3762\n52.5163, 13.3777\n52.5168, 13.383")
    expect(page.locator(".route-vertex")).to_have_count(3)
    expect(page.locator(".map-editor-status")).to_contain_text("3 points, 1.1 km")

    popup = _open_vertex_popup(page, 0)
    popup.get_by_label("Waypoint name").fill("Potsdamer Platz")
    popup.get_by_label("Kind").select_option("assembly")
    popup.get_by_role("button", name="Make waypoint").click()
    assert _lines(page) == [
        "52.5096, 13.3762, Potsdamer Platz, assembly",
        "52.5163, 13.3777",
        "52.5168, 13.383",
    ]
    expect(page.locator(".route-vertex--waypoint")).to_have_text("1")
    expect(popup).to_have_count(0)  # closed with the redraw and faded out: the map is free

    page.locator("#route_text").fill("52.5096, 13.3762\nnot a point\n")
    expect(page.locator(".map-editor-status")).to_contain_text("line 2")
    page.mouse.click(*_centre(page))
    assert _lines(page)[1] == "not a point"  # a map edit keeps what it could not read
    watch.assert_clean()


def _centre(page: Page) -> tuple[float, float]:
    box = page.locator("#route_text-map").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
