"""KML and KMZ in, KML out: routes drawn in Google My Maps, uMap or Google Earth.

Read with the standard library's ElementTree through defusedxml, after the same guards as GPX
(`guards.guard_xml`); a KMZ is unpacked by `guards.unpack_kmz` first. Only what a march
needs is read: every Placemark in document order, whatever Document and Folder nesting it
sits in; its LineString (or gx:Track) is a line, its Point a waypoint named by its <name>.
KML 2.0, 2.1, 2.2 and 2.3 namespaces and none at all are read alike.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from flask_babel import gettext as _

from services.route.choices import MAX_LINE_OPTIONS, Choice, route_or_choice, too_many_lines
from services.route.guards import check_size, decode_xml, guard_xml, unpack_kmz
from services.route.values import (
    MAX_POINTS,
    MAX_WAYPOINTS,
    Point,
    Route,
    RouteError,
    Waypoint,
    assign_kinds,
    coord_problem,
    round_coord,
    shorten,
)

_KML = "http://www.opengis.net/kml/2.2"
_KML_NAMESPACES = frozenset(
    {
        "",
        _KML,
        "http://www.opengis.net/kml/2.3",
        "http://earth.google.com/kml/2.0",
        "http://earth.google.com/kml/2.1",
        "http://earth.google.com/kml/2.2",
    }
)
_GX = "http://www.google.com/kml/ext/2.2"  # Google's extensions: gx:Track, gx:MultiTrack
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_AROUND_COMMAS = re.compile(r"\s*,\s*")


def parse_kml(data: bytes) -> Route | Choice:
    """Read a KML file (UTF-8, at most 2 MB) into a validated route, or a choice to make.

    One line (a LineString, a MultiGeometry's LineStrings joined, or a gx:Track) gives the
    route; several give a `PickLine`; none, with Points, a `ConnectPoints`. Every Point
    Placemark is a waypoint labelled by its <name>, its kind from an ExtendedData value
    named "kind" (as `to_kml` writes it), else by position as in GPX. Coordinates are
    "longitude,latitude[,altitude]" separated by any white space. Raises RouteError.
    """
    check_size(data)
    return _read(decode_xml(data, "kml"))


def parse_kmz(data: bytes) -> Route | Choice:
    """Read a KMZ file (a zip of `doc.kml` and its icons, at most 2 MB) like `parse_kml`,
    after `guards.unpack_kmz` has taken out its KML file within bounds. Raises RouteError."""
    return _read(decode_xml(unpack_kmz(data), "kml"))


def _read(text: str) -> Route | Choice:
    guard_xml(text, "kml")
    try:
        root = fromstring(text, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as err:  # the guard has refused these already
        raise RouteError(
            _(
                "The %(format)s file could not be read: %(detail)s.",
                format="KML",
                detail=shorten(str(err), 200),
            )
        ) from None
    # First only gather the coordinate texts (cheap), then convert what can be used: a line
    # up to MAX_POINTS + 1 points (enough to say it is too long), at most MAX_LINE_OPTIONS
    # lines and MAX_WAYPOINTS + 1 points, so an 8 MB KML unpacked from a KMZ costs no more
    # than a route can hold.
    lines: list[tuple[str, str, list[str]]] = []  # (name, where, position texts)
    spots: list[tuple[str, str, str | None, str]] = []  # (name, where, kind, position text)
    for number, placemark in enumerate((e for e in root.iter() if _is(e, "Placemark")), 1):
        name = " ".join((_child_text(placemark, "name") or "").split())
        where = shorten(name) if name else _("Placemark %(n)d", n=number)
        pieces: list[list[str]] = []
        points: list[str] = []
        for geometry in placemark:
            _geometry(geometry, pieces, points)
        if line := [position for piece in pieces for position in piece]:
            lines.append((name, where, line))
        kind = _kind(placemark)
        spots.extend((name, where, kind, p) for p in points)
    if len(lines) > MAX_LINE_OPTIONS:
        raise too_many_lines(len(lines))
    read = [
        (name, [_position(t, where, n) for n, t in enumerate(line[: MAX_POINTS + 1], 1)], len(line))
        for name, where, line in lines
    ]
    spots = spots[: MAX_WAYPOINTS + 1]
    kinds = assign_kinds([kind for _n, _w, kind, _p in spots], last_is_end=True)
    waypoints = []
    for (name, where, _given, text), kind in zip(spots, kinds):
        spot = _position(text, where, 1)
        waypoints.append(Waypoint(spot.lat, spot.lon, kind, name))
    return route_or_choice(read, waypoints)


def _split(tag: object) -> tuple[str, str]:
    if not isinstance(tag, str):
        return "?", ""
    if tag.startswith("{"):
        namespace, _brace, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _is(element: Element, name: str) -> bool:
    namespace, local = _split(element.tag)
    return local == name and namespace in _KML_NAMESPACES


def _is_gx(element: Element, name: str) -> bool:
    namespace, local = _split(element.tag)
    # KML 2.3 took gx:Track into its own namespace
    return local == name and (namespace == _GX or namespace in _KML_NAMESPACES)


def _child_text(element: Element, name: str) -> str | None:
    child = next((c for c in element if _is(c, name)), None)
    return None if child is None else "".join(child.itertext())


def _kind(placemark: Element) -> str | None:
    data = next((c for c in placemark if _is(c, "ExtendedData")), None)
    if data is None:
        return None
    for item in data:
        if _is(item, "Data") and item.get("name") == "kind":
            return (_child_text(item, "value") or "").strip()
    return None


def _geometry(element: Element, lines: list[list[str]], points: list[str]) -> None:
    """Add the position texts of one geometry element's lines and points (a MultiGeometry's:
    of its parts)."""
    if _is(element, "LineString"):
        lines.append(_positions(_child_text(element, "coordinates")))
    elif _is(element, "Point"):
        points.extend(_positions(_child_text(element, "coordinates"))[:1])
    elif _is_gx(element, "Track"):
        lines.append([c.text or "" for c in element if _is_gx(c, "coord")])
    elif _is(element, "MultiGeometry") or _is_gx(element, "MultiTrack"):
        for part in element:  # the guard bounds how deep this goes
            _geometry(part, lines, points)


def _positions(coordinates: str | None) -> list[str]:
    """KML's "lon,lat[,alt]" tuples, separated by any white space."""
    tuples = (coordinates or "").split()
    if any(t.startswith(",") or t.endswith(",") for t in tuples):  # "lon, lat": spaced out
        tuples = _AROUND_COMMAS.sub(",", coordinates or "").split()
    return tuples


def _position(text: str, where: str, n: int) -> Point:
    """A point from "longitude,latitude[,altitude]" or gx:coord's "lon lat alt"."""
    fields = text.replace(",", " ").split()
    if len(fields) < 2 or not all(_NUMBER.fullmatch(f) for f in fields[:3]):
        raise RouteError(
            _(
                "%(where)s, point %(n)d: “%(text)s” is not “longitude,latitude”.",
                where=where,
                n=n,
                text=shorten(",".join(fields)),
            )
        )
    lon, lat = float(fields[0]), float(fields[1])
    if problem := coord_problem(lat, lon):
        raise RouteError(
            _("%(where)s, point %(n)d: %(problem)s", where=where, n=n, problem=problem)
        )
    return Point(round_coord(lat), round_coord(lon))


def to_kml(route: Route, name: str) -> str:
    """KML 2.2 text: a Document named `name` with the line as a LineString Placemark named
    `name`, then one Point Placemark per waypoint with its label as <name> and its kind as
    ExtendedData "kind". parse_kml(to_kml(r, n).encode()) == r for valid non-empty routes
    with at most 6 decimals."""
    title = escape(name)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<kml xmlns="{_KML}">\n<Document>\n<name>{title}</name>\n',
    ]
    if route.points:
        coordinates = "\n".join(f"{p.lon!r},{p.lat!r}" for p in route.points)
        parts.append(
            f"<Placemark>\n<name>{title}</name>\n<LineString>\n<tessellate>1</tessellate>\n"
            f"<coordinates>\n{coordinates}\n</coordinates>\n</LineString>\n</Placemark>\n"
        )
    for w in route.waypoints:
        parts.append(
            f"<Placemark>\n<name>{escape(w.label)}</name>\n<ExtendedData>"
            f'<Data name="kind"><value>{escape(w.kind)}</value></Data>'
            f"</ExtendedData>\n<Point><coordinates>{w.lon!r},{w.lat!r}</coordinates></Point>\n"
            "</Placemark>\n"
        )
    parts.append("</Document>\n</kml>\n")
    return "".join(parts)
