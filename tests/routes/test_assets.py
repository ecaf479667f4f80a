"""Leaflet is served by the app itself (never a CDN), cached long, and nothing else leaks out."""

from __future__ import annotations

import re

import pytest
from flask import render_template_string


def test_leaflet_script_and_stylesheet_are_served_with_their_types(client):
    script = client.get("/static/vendor/leaflet/leaflet.js")
    assert script.status_code == 200
    assert "javascript" in script.content_type
    assert b"Leaflet" in script.data[:500]

    sheet = client.get("/static/vendor/leaflet/leaflet.css")
    assert sheet.status_code == 200
    assert sheet.content_type.startswith("text/css")
    assert "max-age=31536000" in sheet.headers["Cache-Control"]


def test_images_named_in_leaflet_css_resolve_next_to_it(client):
    css = client.get("/static/vendor/leaflet/leaflet.css").get_data(as_text=True)
    images = set(re.findall(r"url\((images/[^)]+)\)", css))
    assert images  # layers.png, marker-icon.png ...
    for image in images:
        response = client.get(f"/static/vendor/leaflet/{image}")
        assert response.status_code == 200, image
        assert response.content_type == "image/png"


@pytest.mark.parametrize(
    "path",
    [
        "/static/vendor/leaflet/../leaflet/leaflet.js",
        "/static/vendor/leaflet/..%2f__init__.py",
        "/static/vendor/leaflet/%2e%2e/%2e%2e/__init__.py",
        "/static/vendor/leaflet/images/../../../../../../etc/passwd",
        "/static/vendor/leaflet/no-such-file.js",
    ],
)
def test_paths_outside_leaflet_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_map_assets_load_leaflet_from_the_app_deferred(app):
    with app.test_request_context():
        html = render_template_string(
            '{% from "macros/map.html" import editor_assets %}{{ editor_assets() }}'
        )
    scripts = re.findall(r"<script[^>]*>", html)
    assert [re.search(r'src="([^"?]+)', s).group(1) for s in scripts] == [
        "/static/vendor/leaflet/leaflet.js",
        "/static/js/event-map.js",
        "/static/js/route-editor.js",
    ]
    # The text shows before Leaflet arrives: classic scripts are deferred, modules always are.
    assert all(" defer " in s or 'type="module"' in s for s in scripts)
    assert 'href="/static/vendor/leaflet/leaflet.css?v=' in html
    assert "/static/css/map.css" in html
    assert "//" not in html  # no CDN, no other host: every URL is on this app


def test_route_map_data_cannot_break_out_of_its_json_block(app):
    label = "</script><script>alert(1)</script>"
    data = {
        "points": [],
        "waypoints": [{"n": 1, "lat": 1, "lon": 2, "kind": "stop", "label": label}],
        "tiles": {"url": "", "attribution": ""},
    }
    with app.test_request_context():
        html = render_template_string(
            '{% from "macros/map.html" import route_map %}{{ route_map(data, id="m") }}', data=data
        )
    assert html.count("</script>") == 1
    assert 'id="m-data"' in html and 'aria-label="Route map"' in html
