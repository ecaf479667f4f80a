"""Files that need the organiser's word before they become a route.

A KML file with several lines (which one is the march?) and a GPX or KML file with points
but no line (connect them in order?) are not refused: the parser returns a `PickLine` or a
`ConnectPoints`, and the upload page asks. Each option carries the whole route it would
store, already validated, so the answer needs nothing from the file again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from services.route.geometry import route_length_m
from services.route.values import Point, Route, RouteError, Waypoint, validate

MAX_LINE_OPTIONS = 30  # each option's route travels in the page; more lines than this: refuse


@dataclass(frozen=True)
class LineOption:
    """One line of a file with several: its name in the file, its size, and the route it
    gives with the file's waypoints; `route` is None and `problem` says why when that route
    is not usable (too many points, say: then `length_m` may cover only its first part)."""

    name: str
    point_count: int
    length_m: float
    route: Route | None
    problem: str | None


@dataclass(frozen=True)
class PickLine:
    """The file has several lines: the organiser picks the march's."""

    options: tuple[LineOption, ...]


@dataclass(frozen=True)
class ConnectPoints:
    """The file has points but no line: `route` joins them in the file's order."""

    route: Route


Choice = PickLine | ConnectPoints


def too_many_lines(n: int) -> RouteError:
    return RouteError(
        _(
            "The file contains %(n)d lines, too many to choose from (at most %(max)d). "
            "Keep only the march's line, or its layer, and export again.",
            n=n,
            max=MAX_LINE_OPTIONS,
        )
    )


def route_or_choice(
    lines: Sequence[tuple[str, Sequence[Point], int]], waypoints: Sequence[Waypoint]
) -> Route | Choice:
    """What a file with these lines (name, points, how many points the file has for it:
    a parser may stop reading a line past MAX_POINTS) and waypoints gives: the route of its
    one line, a `PickLine` for several, or a `ConnectPoints` of the waypoints when it has no
    line. Raises RouteError when nothing usable comes of it."""
    if not lines:
        if not waypoints:
            raise RouteError(_("The file contains no route points."))
        return connect_points([Point(w.lat, w.lon) for w in waypoints], waypoints)
    if len(lines) == 1:
        return validate(Route(tuple(lines[0][1]), tuple(waypoints)))
    if len(lines) > MAX_LINE_OPTIONS:
        raise too_many_lines(len(lines))
    options = []
    for name, points, count in lines:
        try:
            route, problem = validate(Route(tuple(points), tuple(waypoints))), None
        except RouteError as err:
            route, problem = None, str(err)
        options.append(LineOption(name, count, route_length_m(points), route, problem))
    if all(option.route is None for option in options):
        raise RouteError(options[0].problem)
    return PickLine(tuple(options))


def connect_points(points: Sequence[Point], waypoints: Sequence[Waypoint]) -> ConnectPoints:
    """The route through `points` in order, with `waypoints`, to be confirmed; RouteError if
    that route is not valid (a single point, say)."""
    return ConnectPoints(validate(Route(tuple(points), tuple(waypoints))))
