"""The route as plain text, one point per line: `lat, lon[, label[, kind]]`.

This is what the no-JavaScript route form shows and reads; the route editor in the browser
writes the same format.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from services.route.geometry import nearest_point_index
from services.route.values import (
    DECIMALS,
    MAX_POINTS,
    Point,
    Route,
    RouteError,
    Waypoint,
    assign_kinds,
    coord_problem,
    kind_of,
    label_problem,
    round_coord,
    shorten,
    too_many_points,
    validate,
)

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DIGITS = re.compile(r"[0-9]+(?:\s*,\s*[0-9]+)?")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # not str.splitlines: it splits on \f, \u2028 ...


def parse_text(text: str) -> Route:
    """Parse one point per line: `lat, lon[, label[, kind]]`; `#` comments and blanks skipped.

    A labelled line is also a waypoint. The last comma-separated field counts as the kind
    only if it is a known kind word (case-insensitive, "first aid" works), so labels may
    contain commas. Without a kind the first labelled line is "assembly", the last is "end"
    if it is the final point, others "stop". Empty text gives the empty route.
    Raises RouteError; problems on a line name its number.
    """
    points: list[Point] = []
    labelled: list[tuple[int, str, str | None]] = []  # (point index, label, given kind)
    for n, line in enumerate(_LINE_BREAK.split(text), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",", 2)]
        if len(fields) < 2:
            raise RouteError(
                _(
                    "Line %(n)d: write “latitude, longitude”, then optionally a label and a kind.",
                    n=n,
                )
            )
        if "." not in line and len(fields) == 3 and _DIGITS.fullmatch(fields[2]):
            # "52,5, 13,4" would otherwise silently become (52, 5) labelled "13,4"
            raise RouteError(
                _(
                    "Line %(n)d: use a decimal point in numbers, not a comma "
                    "(for example “52.5096, 13.3762”).",
                    n=n,
                )
            )
        lat = _text_number(fields[0], n, "latitude")
        lon = _text_number(fields[1], n, "longitude")
        if problem := coord_problem(lat, lon):
            raise RouteError(_("Line %(n)d: %(problem)s", n=n, problem=problem))
        points.append(Point(round_coord(lat), round_coord(lon)))
        if len(points) > MAX_POINTS:
            raise RouteError(too_many_points())  # stop early on huge input
        label, kind = (fields[2] if len(fields) == 3 else ""), None
        head, comma, tail = label.rpartition(",")
        if comma and kind_of(tail):
            label, kind = head, tail.strip()
        label = " ".join(label.split())  # same tidying as validate, so the checks agree
        if kind is not None or label:
            if problem := label_problem(label):
                raise RouteError(_("Line %(n)d: %(problem)s", n=n, problem=problem))
            labelled.append((len(points) - 1, label, kind))
    last_is_end = bool(labelled) and labelled[-1][0] == len(points) - 1
    kinds = assign_kinds([k for _, _, k in labelled], last_is_end)
    waypoints = tuple(
        Waypoint(points[i].lat, points[i].lon, kind, label)
        for (i, label, _), kind in zip(labelled, kinds)
    )
    return validate(Route(tuple(points), waypoints))


def _text_number(field: str, line_no: int, name: str) -> float:
    if not field:
        if name == "latitude":
            raise RouteError(_("Line %(n)d: the latitude is missing.", n=line_no))
        raise RouteError(_("Line %(n)d: the longitude is missing.", n=line_no))
    if not _NUMBER.fullmatch(field):  # float() would also take "nan", "1e5", "1_0", "٣"
        raise RouteError(
            _("Line %(n)d: “%(text)s” is not a number.", n=line_no, text=shorten(field))
        )
    return float(field)


def format_text(route: Route) -> str:
    """Write a route in the `parse_text` format, coordinates with up to 6 decimals.

    A waypoint with exactly the coordinates of a (not yet labelled) point later than the
    previous waypoint's gets `, label, kind` on that point's line. Any other waypoint is
    written as an extra line right after its nearest point, so parsing it back adds that
    spot to the line; for routes whose waypoints all sit on points, in order,
    parse_text(format_text(r)) == r.
    """
    on_point: dict[int, Waypoint] = {}
    extra: dict[int, list[Waypoint]] = {}
    start = 0
    for w in route.waypoints:
        spot = Point(w.lat, w.lon)
        i = next((i for i in range(start, len(route.points)) if route.points[i] == spot), None)
        if i is not None:
            on_point[i], start = w, i + 1
        elif route.points:
            extra.setdefault(nearest_point_index(route.points, spot), []).append(w)
        else:
            extra.setdefault(-1, []).append(w)
    lines = [_text_line(w.lat, w.lon, w) for w in extra.get(-1, [])]
    for i, p in enumerate(route.points):
        lines.append(_text_line(p.lat, p.lon, on_point.get(i)))
        lines.extend(_text_line(w.lat, w.lon, w) for w in extra.get(i, []))
    return "".join(line + "\n" for line in lines)


def _text_line(lat: float, lon: float, waypoint: Waypoint | None) -> str:
    line = f"{_num(lat)}, {_num(lon)}"
    return f"{line}, {waypoint.label}, {waypoint.kind}" if waypoint else line


def _num(value: float) -> str:
    return f"{round_coord(value):.{DECIMALS}f}".rstrip("0").rstrip(".")
