"""Distances on the Earth and places on a route's line: the one module for route geometry.

Pure Python on `Point`s. Great-circle distances for lengths and walking times; a local flat
projection for snapping a reported position onto the line, which is accurate over a city.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance between two points in metres (mean Earth radius)."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))  # min: float noise > 1


def route_length_m(points: Sequence[Point]) -> float:
    """Length of the line through `points` in metres; 0.0 for fewer than two points."""
    return sum(haversine_m(a, b) for a, b in zip(points, points[1:]))


def walking_minutes(length_m: float, pace_kmh: float) -> int:
    """Minutes to walk `length_m` at `pace_kmh`, halves rounded up.

    Raises ValueError unless pace is finite and > 0 and length is finite and >= 0.
    """
    if not (math.isfinite(pace_kmh) and pace_kmh > 0 and math.isfinite(length_m) and length_m >= 0):
        raise ValueError("need a finite pace > 0 and a finite length >= 0")
    return math.floor(length_m / 1000 / pace_kmh * 60 + 0.5)  # round() would round 2.5 to 2


def nearest_point_index(points: Sequence[Point], p: Point) -> int:
    """Index of the point of `points` closest to `p` (first on ties). ValueError if empty."""
    if not points:
        raise ValueError("points is empty")
    return min(range(len(points)), key=lambda i: haversine_m(points[i], p))


def snap_to_route(points: Sequence[Point], p: Point) -> tuple[int, float, Point]:
    """The place on the line nearest to `p`: (index of the segment's start point, distance
    in metres, the snapped point). Uses a local flat projection: fine over a city.

    Raises ValueError for fewer than two points: a stored route never has just one.
    """
    if len(points) < 2:
        raise ValueError("a line needs at least two points")
    best: tuple[int, float, Point] | None = None
    for i, (a, b) in enumerate(zip(points, points[1:])):
        candidate = _project(a, b, p)
        distance = _flat_distance(candidate, p)
        if best is None or distance < best[1]:
            best = (i, distance, candidate)
    assert best is not None
    return best


def _xy(origin: Point, p: Point) -> tuple[float, float]:
    k = math.radians(1) * EARTH_RADIUS_M
    return ((p.lon - origin.lon) * k * math.cos(math.radians(origin.lat)), (p.lat - origin.lat) * k)


def _flat_distance(a: Point, b: Point) -> float:
    x, y = _xy(a, b)
    return math.hypot(x, y)


def _project(a: Point, b: Point, p: Point) -> Point:
    bx, by = _xy(a, b)
    px, py = _xy(a, p)
    length2 = bx * bx + by * by
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, (px * bx + py * by) / length2))
    return Point(a.lat + (b.lat - a.lat) * t, a.lon + (b.lon - a.lon) * t)
