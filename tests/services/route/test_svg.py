"""The route picture: a well-formed SVG of the line and its waypoints, fitted into its box,
with every word escaped."""

from __future__ import annotations

import re

from defusedxml import ElementTree as ET

from services.route import Point, Route, Waypoint
from services.route.svg import Size, mercator, route_svg
from tests.factories import ROUTE

SVG = "{http://www.w3.org/2000/svg}"


def _numbers(path_d: str) -> list[tuple[float, float]]:
    values = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path_d)]
    return list(zip(values[::2], values[1::2]))


def test_the_picture_draws_the_line_and_numbered_waypoints_inside_its_box():
    svg = route_svg(ROUTE, size=Size(600, 400, 28), title="March", kind_names={"end": "End"})
    root = ET.fromstring(svg)
    assert root.get("viewBox") == "0 0 600 400"
    line = root.find(f".//{SVG}path[@class='route-line']")
    points = _numbers(line.get("d"))
    assert len(points) == len(ROUTE.points)
    for x, y in points:
        assert 28 - 0.1 <= x <= 600 - 28 + 0.1 and 28 - 0.1 <= y <= 400 - 28 + 0.1
    markers = root.findall(f".//{SVG}g[@class]")
    kinds = [g.get("class") for g in markers if g.get("class").startswith("waypoint ")]
    assert kinds == [
        "waypoint waypoint--assembly",
        "waypoint waypoint--stop",
        "waypoint waypoint--end",
    ]
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert {"1", "2", "3", "Potsdamer Platz", "Russian embassy"} <= set(texts)
    assert "End" in texts  # the legend, in the reader's words


def test_north_is_up_and_east_is_right():
    # Potsdamer Platz is south-west of the Russian embassy: lower and further left.
    root = ET.fromstring(route_svg(ROUTE))
    start, end = (c for i, c in enumerate(root.iter(f"{SVG}circle")) if i in (0, 2))
    assert float(start.get("cx")) < float(end.get("cx"))
    assert float(start.get("cy")) > float(end.get("cy"))


def test_the_projection_is_web_mercator():
    assert mercator(0, 0) == (0.5, 0.5)
    x, y = mercator(52.5096, 13.3762)
    # The tile of central Berlin at zoom 14 is x 8800, y 5373 (as the tile proxy serves it).
    assert int(x * 2**14) == 8800 and int(y * 2**14) == 5373


def test_labels_and_title_are_escaped():
    hostile = '<script>alert(1)</script> & "quotes"'
    route = Route(
        (Point(52.5, 13.3), Point(52.6, 13.4)),
        (Waypoint(52.5, 13.3, "assembly", hostile[:32]),),
    )
    svg = route_svg(route, title=hostile, kind_names={"assembly": "<b>Start</b>"})
    assert "<script>" not in svg and "<b>" not in svg
    root = ET.fromstring(svg)  # still well-formed XML
    assert root.find(f"{SVG}title").text == hostile


def test_an_empty_route_or_a_single_spot_still_gives_a_picture():
    assert ET.fromstring(route_svg(Route((), ()))).tag == f"{SVG}svg"
    spot = Route((Point(52.5, 13.3), Point(52.5, 13.3)), ())
    root = ET.fromstring(route_svg(spot, size=Size(300, 200, 10)))
    assert _numbers(root.find(f".//{SVG}path[@class='route-line']").get("d"))[0] == (150.0, 100.0)


def test_a_long_route_is_thinned_to_what_can_be_seen():
    points = tuple(Point(52.5 + i * 1e-6, 13.3 + i * 1e-6) for i in range(4999)) + (
        Point(52.6, 13.4),
    )
    svg = route_svg(Route(points, ()))
    assert len(svg) < 20_000


def test_many_waypoints_get_numbers_without_labels():
    points = tuple(Point(52.5 + i * 1e-3, 13.3 + i * 1e-3) for i in range(60))
    waypoints = tuple(Waypoint(p.lat, p.lon, "stop", f"Corner {n}") for n, p in enumerate(points))
    root = ET.fromstring(route_svg(Route(points, waypoints)))
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "60" in texts and not any(t.startswith("Corner") for t in texts)
