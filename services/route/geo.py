"""March routes: data types, distances, and safe import/export (text, GPX, GeoJSON).

Pure Python: no Flask app needed, no database. Every parser returns a validated `Route` or
raises `RouteError` whose message can be shown to the user as is: flask_babel's gettext
translates it into the request's language and, outside an app, leaves it in English.
"""

from __future__ import annotations

import io
import json
import math
import re
import threading
import unicodedata
import xml.etree.ElementTree as stdlib_et
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree
import gpxpy
import gpxpy.gpx
from defusedxml import DefusedXmlException
from flask_babel import gettext as _

WAYPOINT_KINDS = ("assembly", "stop", "end", "first_aid", "toilets", "other")
MAX_POINTS = 5000
MAX_WAYPOINTS = 200
MAX_LABEL_CHARS = 120
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
EARTH_RADIUS_M = 6_371_008.8
DECIMALS = 6  # ~0.1 m; rounding on parse makes export/import round trips exact

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DIGITS = re.compile(r"[0-9]+(?:\s*,\s*[0-9]+)?")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # not str.splitlines: it splits on \f, \u2028 ...



@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


@dataclass(frozen=True)
class Waypoint:
    lat: float
    lon: float
    kind: str
    label: str


@dataclass(frozen=True)
class Route:
    points: tuple[Point, ...]  # the walked line, in order
    waypoints: tuple[Waypoint, ...]  # named places, in order


class RouteError(ValueError):
    """A route the user supplied cannot be used; str(err) is a user-facing sentence."""


def _too_many_points() -> str:
    return _("A route can have at most %(n)d points; simplify the line.", n=MAX_POINTS)


def _too_many_waypoints() -> str:
    return _("A route can have at most %(n)d waypoints.", n=MAX_WAYPOINTS)


# --- distances ------------------------------------------------------------------------


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance between two points in metres (mean Earth radius)."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))  # min: float noise > 1


def route_length_m(points: Sequence[Point]) -> float:
    """Length of the line through `points` in metres; 0.0 for fewer than two points."""
    return sum(haversine_m(a, b) for a, b in zip(points, points[1:]))


def walking_minutes(length_m: float, pace_kmh: float) -> int:
    """Minutes to walk `length_m` at `pace_kmh`, halves rounded up.

    Raises ValueError unless pace is finite and > 0 and length is finite and >= 0.
    """
    if not (math.isfinite(pace_kmh) and pace_kmh > 0 and math.isfinite(length_m)
            and length_m >= 0):
        raise ValueError("need a finite pace > 0 and a finite length >= 0")
    return math.floor(length_m / 1000 / pace_kmh * 60 + 0.5)  # round() would round 2.5 to 2


def nearest_point_index(points: Sequence[Point], p: Point) -> int:
    """Index of the point of `points` closest to `p` (first on ties). ValueError if empty."""
    if not points:
        raise ValueError("points is empty")
    return min(range(len(points)), key=lambda i: haversine_m(points[i], p))


def distance_along_m(points: Sequence[Point], index: int) -> float:
    """Metres walked from the start of the line to `points[index]`. IndexError if out of range."""
    if not 0 <= index < len(points):
        raise IndexError("index out of range")
    return route_length_m(points[: index + 1])


# --- validation -----------------------------------------------------------------------


def _coord_problem(lat: Any, lon: Any) -> str | None:
    for is_lat, value, limit in ((True, lat, 90), (False, lon, 180)):
        # bool is an int subclass; JSON `true` must not become 1.0
        if isinstance(value, bool) or not isinstance(value, int | float):
            return _("latitude must be a number.") if is_lat else _("longitude must be a number.")
        # a comparison, not math.isfinite: that overflows on huge JSON integers; NaN fails it
        if not -limit <= value <= limit:
            if is_lat:
                return _("latitude must be between -90 and 90.")
            return _("longitude must be between -180 and 180.")
    return None


def _label_problem(label: str) -> str | None:
    if not label:
        return _("a label is required.")
    if len(label) > MAX_LABEL_CHARS:
        return _("the label must be at most %(n)d characters.", n=MAX_LABEL_CHARS)
    if any(unicodedata.category(c) == "Cc" for c in label):
        return _("the label must not contain control characters.")  # they break GPX/XML export
    return None


def _kind(word: str) -> str | None:
    """The canonical kind for a user-typed word ("First aid" -> "first_aid"), else None."""
    canonical = re.sub(r"[\s_-]+", "_", word.strip().lower())
    return canonical if canonical in WAYPOINT_KINDS else None


def validate(route: Route) -> Route:
    """Check a route; return it with coordinates as floats and label whitespace tidied.

    An entirely empty route (no points, no waypoints) means "no route yet" and is valid.
    Otherwise: 2..MAX_POINTS points, at most MAX_WAYPOINTS waypoints, coordinates finite
    and in range, kinds from WAYPOINT_KINDS, labels non-empty and at most 120 characters.
    Raises RouteError naming the first problem found.
    """
    if not route.points and not route.waypoints:
        return Route((), ())
    if len(route.points) < 2:
        raise RouteError(_("A route needs at least two points."))
    if len(route.points) > MAX_POINTS:
        raise RouteError(_too_many_points())
    if len(route.waypoints) > MAX_WAYPOINTS:
        raise RouteError(_too_many_waypoints())
    for n, p in enumerate(route.points, 1):
        if problem := _coord_problem(p.lat, p.lon):
            raise RouteError(_("Point %(n)d: %(problem)s", n=n, problem=problem))
    waypoints: list[Waypoint] = []
    for n, w in enumerate(route.waypoints, 1):
        # tabs/newlines (legal in GPX names) become spaces; other control characters are errors
        label = " ".join(w.label.split()) if isinstance(w.label, str) else ""
        problem = _coord_problem(w.lat, w.lon) or _label_problem(label)
        if not problem and w.kind not in WAYPOINT_KINDS:
            problem = _("the kind must be one of %(kinds)s.", kinds=", ".join(WAYPOINT_KINDS))
        if problem:
            raise RouteError(_("Waypoint %(n)d: %(problem)s", n=n, problem=problem))
        waypoints.append(Waypoint(float(w.lat), float(w.lon), w.kind, label))
    points = tuple(Point(float(p.lat), float(p.lon)) for p in route.points)
    return Route(points, tuple(waypoints))


def _assign_kinds(raw: Sequence[str | None], last_is_end: bool) -> list[str]:
    """Kinds for waypoints in order: a valid given kind wins, an unknown one becomes "stop";
    without one the first is "assembly", the last "end" (if `last_is_end`), others "stop"."""
    kinds: list[str] = []
    for i, given in enumerate(raw):
        if given is not None:
            kinds.append(_kind(given) or "stop")
        elif i == 0:
            kinds.append("assembly")
        else:
            kinds.append("end" if last_is_end and i == len(raw) - 1 else "stop")
    return kinds


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"  # keep messages readable


def _round(value: float) -> float:
    return round(value, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


# --- plain text (the no-JavaScript form) ----------------------------------------------


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
            raise RouteError(_("Line %(n)d: write “latitude, longitude”, then optionally a label "
                               "and a kind.", n=n))
        if "." not in line and len(fields) == 3 and _DIGITS.fullmatch(fields[2]):
            # "52,5, 13,4" would otherwise silently become (52, 5) labelled "13,4"
            raise RouteError(_("Line %(n)d: use a decimal point in numbers, not a comma "
                               "(for example “52.5096, 13.3762”).", n=n))
        lat = _text_number(fields[0], n, "latitude")
        lon = _text_number(fields[1], n, "longitude")
        if problem := _coord_problem(lat, lon):
            raise RouteError(_("Line %(n)d: %(problem)s", n=n, problem=problem))
        points.append(Point(_round(lat), _round(lon)))
        if len(points) > MAX_POINTS:
            raise RouteError(_too_many_points())  # stop early on huge input
        label, kind = (fields[2] if len(fields) == 3 else ""), None
        head, comma, tail = label.rpartition(",")
        if comma and _kind(tail):
            label, kind = head, tail.strip()
        label = " ".join(label.split())  # same tidying as validate, so the checks agree
        if kind is not None or label:
            if problem := _label_problem(label):
                raise RouteError(_("Line %(n)d: %(problem)s", n=n, problem=problem))
            labelled.append((len(points) - 1, label, kind))
    last_is_end = bool(labelled) and labelled[-1][0] == len(points) - 1
    kinds = _assign_kinds([k for _, _, k in labelled], last_is_end)
    waypoints = tuple(Waypoint(points[i].lat, points[i].lon, kind, label)
                      for (i, label, _), kind in zip(labelled, kinds))
    return validate(Route(tuple(points), waypoints))


def _text_number(field: str, line_no: int, name: str) -> float:
    if not field:
        if name == "latitude":
            raise RouteError(_("Line %(n)d: the latitude is missing.", n=line_no))
        raise RouteError(_("Line %(n)d: the longitude is missing.", n=line_no))
    if not _NUMBER.fullmatch(field):  # float() would also take "nan", "1e5", "1_0", "٣"
        raise RouteError(_("Line %(n)d: “%(text)s” is not a number.", n=line_no,
                           text=_short(field)))
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
    return f"{_round(value):.{DECIMALS}f}".rstrip("0").rstrip(".")


# --- GPX ------------------------------------------------------------------------------

# gpxpy runs regexes over the raw text that go quadratic on stray "xmlns"/"schemaLocation"
# strings, and registers every namespace prefix in ElementTree's process-wide map (each
# registration scanning that map). Real GPX files use a handful of prefixes, so more than
# this many distinct prefixes, or stray strings beyond it, are refused before gpxpy runs.
_MAX_NAMESPACES = 50
_gpx_lock = threading.Lock()  # makes snapshot/restore of the namespace map atomic


def _check_size(data: bytes) -> None:
    if len(data) > MAX_UPLOAD_BYTES:
        raise RouteError(_("The file is larger than 2 MB."))


def parse_gpx(data: bytes) -> Route:
    """Read a GPX file (UTF-8, at most 2 MB) into a validated route.

    The line is every track point of every track and segment in order or, if there are
    none, the points of the <rte> routes. Each <wpt> becomes a waypoint labelled by its
    <name>; its kind comes from <type> when that is a known kind, else "stop" (without a
    <type> the first is "assembly" and the last "end"). Files with a DTD or entities are
    refused before gpxpy sees them. Raises RouteError.
    """
    _check_size(data)
    try:
        text = data.decode("utf-8-sig")  # so the guard and gpxpy parse exactly the same text
    except UnicodeDecodeError:
        raise RouteError(_("The GPX file could not be read: it is not UTF-8 text.")) from None
    _guard_xml(text)
    gpx = _gpxpy_parse(text)
    points = [p for t in gpx.tracks for s in t.segments for p in s.points]
    points = points or [p for r in gpx.routes for p in r.points]
    if not points:
        raise RouteError(_("The file contains no route points."))
    kinds = _assign_kinds([w.type for w in gpx.waypoints], last_is_end=True)
    return validate(Route(
        tuple(Point(_round(p.latitude), _round(p.longitude)) for p in points),
        tuple(Waypoint(_round(w.latitude), _round(w.longitude), kind, w.name or "")
              for w, kind in zip(gpx.waypoints, kinds)),
    ))


def _guard_xml(text: str) -> None:
    """Raise RouteError unless `text` is well-formed XML with a <gpx> root, no DTD (gpxpy's
    parser would expand entities: "billion laughs", external files) and few namespaces."""
    root: stdlib_et.Element | None = None
    declared, prefixes = 0, set[str]()
    try:
        events = defusedxml.ElementTree.iterparse(
            io.StringIO(text), events=("start", "start-ns"), forbid_dtd=True)
        for event, item in events:
            if event == "start-ns":
                declared += 1
                prefixes.add(item[0])
            elif root is None:
                root = item
    except DefusedXmlException:
        raise RouteError(_("The GPX file is not valid: it contains a DTD or entities.")) \
            from None
    except stdlib_et.ParseError as err:
        raise RouteError(_("The GPX file could not be read: %(detail)s.",
                           detail=_short(str(err), 200))) from None
    if root is None or root.tag.rpartition("}")[2] != "gpx":
        raise RouteError(_("The file is not a GPX file: its main element is not <gpx>."))
    if (len(prefixes) > _MAX_NAMESPACES or text.count("xmlns") > declared + _MAX_NAMESPACES
            or text.count("schemaLocation") > _MAX_NAMESPACES):
        raise RouteError(_("The GPX file could not be read: it uses too many XML namespaces."))


def _gpxpy_parse(text: str) -> gpxpy.gpx.GPX:
    with _gpx_lock:
        # gpxpy registers the file's namespaces globally; without the restore every upload
        # would leave its (attacker-chosen) prefixes and URIs in memory for good
        saved = dict(stdlib_et._namespace_map)
        try:
            return gpxpy.parse(text)
        except (gpxpy.gpx.GPXException, ValueError) as err:
            raise RouteError(_("The GPX file could not be read: %(detail)s.",
                               detail=_short(str(err), 200))) from None
        finally:
            stdlib_et._namespace_map.clear()
            stdlib_et._namespace_map.update(saved)


def to_gpx(route: Route, name: str) -> str:
    """GPX 1.1 text: one track named `name` with one segment, waypoints as <wpt> with
    <name> and <type>. parse_gpx(to_gpx(r, n).encode()) == r for valid non-empty routes
    with at most 6 decimals."""
    gpx = gpxpy.gpx.GPX()
    gpx.name = name
    segment = gpxpy.gpx.GPXTrackSegment(
        [gpxpy.gpx.GPXTrackPoint(p.lat, p.lon) for p in route.points])
    track = gpxpy.gpx.GPXTrack(name=name)
    track.segments.append(segment)
    gpx.tracks.append(track)
    gpx.waypoints = [gpxpy.gpx.GPXWaypoint(w.lat, w.lon, name=w.label, type=w.kind)
                     for w in route.waypoints]
    return gpx.to_xml()


# --- GeoJSON --------------------------------------------------------------------------


def parse_geojson(data: bytes) -> Route:
    """Read GeoJSON (at most 2 MB) into a validated route.

    Accepted: a LineString, a Feature whose geometry is a LineString, or a FeatureCollection
    with exactly one LineString feature and any number of Point features (waypoints; label
    from property "label" or "name", kind from "kind" with the same defaults as parse_gpx).
    Positions are [longitude, latitude]. Raises RouteError for anything else.
    """
    _check_size(data)
    try:
        doc = json.loads(data, parse_constant=_reject_constant)
    except RecursionError:
        raise RouteError(_("The file is not usable GeoJSON: it is nested too deeply.")) from None
    except ValueError as err:  # also covers bad UTF-8 and oversized integers
        raise RouteError(_("The file is not valid JSON: %(detail)s.",
                           detail=_short(str(err), 200))) from None
    line, spots = _geojson_parts(doc)
    if not isinstance(line, list):
        raise RouteError(_("The LineString coordinates must be a list of positions."))
    if not line:
        raise RouteError(_("The file contains no route points."))
    if len(line) > MAX_POINTS:
        raise RouteError(_too_many_points())  # before converting thousands of positions
    if len(spots) > MAX_WAYPOINTS:
        raise RouteError(_too_many_waypoints())
    points = tuple(Point(*_position(c, _("Line point %(n)d", n=n))) for n, c in enumerate(line, 1))
    raw_kinds: list[str | None] = []
    waypoints: list[tuple[float, float, str]] = []
    for n, (coords, props) in enumerate(spots, 1):
        lat, lon = _position(coords, _("Waypoint %(n)d", n=n))
        label = props.get("label") if props.get("label") is not None else props.get("name")
        if not isinstance(label, str | None):
            raise RouteError(_("Waypoint %(n)d: the label must be text.", n=n))
        kind = props.get("kind")
        raw_kinds.append(kind if isinstance(kind, str) or kind is None else "")
        waypoints.append((lat, lon, label or ""))
    kinds = _assign_kinds(raw_kinds, last_is_end=True)
    return validate(Route(points, tuple(Waypoint(lat, lon, kind, label)
                                        for (lat, lon, label), kind in zip(waypoints, kinds))))


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _geojson_parts(doc: Any) -> tuple[Any, list[tuple[Any, dict[str, Any]]]]:
    """(line coordinates, [(point coordinates, properties)]) of a supported document."""
    if not isinstance(doc, dict):
        raise RouteError(_("The GeoJSON must be an object: a LineString, a Feature or a "
                           "FeatureCollection."))
    if doc.get("type") == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise RouteError(_("The FeatureCollection has no list of “features”."))
        lines: list[Any] = []
        spots: list[tuple[Any, dict[str, Any]]] = []
        for n, feature in enumerate(features, 1):
            kind, coords, props = _geometry(feature, _("Feature %(n)d", n=n))
            if kind == "LineString":
                lines.append(coords)
            elif kind == "Point":
                spots.append((coords, props))
            else:
                raise RouteError(_("Feature %(n)d: only LineString and Point geometries are "
                                   "supported, not “%(kind)s”.", n=n, kind=_short(str(kind))))
        if not lines:
            raise RouteError(
                _("The file contains no route line: add one LineString feature."))
        if len(lines) > 1:
            raise RouteError(_("The file contains %(n)d lines; it needs exactly one "
                               "LineString for the route.", n=len(lines)))
        return lines[0], spots
    kind, coords, _props = _geometry(doc, _("The file")) if doc.get("type") == "Feature" else (
        doc.get("type"), doc.get("coordinates"), {})
    if kind != "LineString":
        raise RouteError(_("The route must be a single LineString, not “%(kind)s”.",
                           kind=_short(str(kind))))
    return coords, []


def _geometry(feature: Any, where: str) -> tuple[Any, Any, dict[str, Any]]:
    """(geometry type, coordinates, properties) of a GeoJSON Feature."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise RouteError(_("%(where)s is not a GeoJSON Feature.", where=where))
    geometry, props = feature.get("geometry"), feature.get("properties")
    if not isinstance(geometry, dict):
        raise RouteError(_("%(where)s has no geometry.", where=where))
    if not isinstance(props, dict | None):
        raise RouteError(_("%(where)s: “properties” must be an object.", where=where))
    return geometry.get("type"), geometry.get("coordinates"), props or {}


def _position(coords: Any, where: str) -> tuple[float, float]:
    if not isinstance(coords, list) or len(coords) < 2:
        raise RouteError(_("%(where)s: a position must be a list [longitude, latitude].",
                           where=where))
    lon, lat = coords[0], coords[1]
    if problem := _coord_problem(lat, lon):
        raise RouteError(_("%(where)s: %(problem)s", where=where, problem=problem))
    return _round(lat), _round(lon)


def to_geojson(route: Route, name: str) -> dict[str, Any]:
    """A FeatureCollection: the line as a LineString feature with properties {"name": name},
    then one Point feature per waypoint with properties {"label", "kind"}."""
    line = {"type": "Feature", "properties": {"name": name},
            "geometry": {"type": "LineString",
                         "coordinates": [[p.lon, p.lat] for p in route.points]}}
    spots = [{"type": "Feature", "properties": {"label": w.label, "kind": w.kind},
              "geometry": {"type": "Point", "coordinates": [w.lon, w.lat]}}
             for w in route.waypoints]
    return {"type": "FeatureCollection", "features": [line, *spots]}
