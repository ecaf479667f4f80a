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

from services.route.choices import Choice, route_or_choice
from services.route.guards import check_size, decode_xml, guard_xml, unpack_kmz
from services.route.values import (
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
    lines: list[tuple[str, list[Point]]] = []
    spots: list[tuple[Point, str, str | None]] = []
    for number, placemark in enumerate((e for e in root.iter() if _is(e, "Placemark")), 1):
        name = " ".join((_child_text(placemark, "name") or "").split())
        where = shorten(name) if name else _("Placemark %(n)d", n=number)
        pieces: list[list[Point]] = []
        points: list[Point] = []
        for geometry in placemark:
            _geometry(geometry, where, pieces, points)
        if pieces:
            lines.append((name, [p for piece in pieces for p in piece]))
        kind = _kind(placemark)
        spots.extend((p, name, kind) for p in points)
    kinds = assign_kinds([kind for _p, _n, kind in spots], last_is_end=True)
    waypoints = [Waypoint(p.lat, p.lon, k, name) for (p, name, _k), k in zip(spots, kinds)]
    return route_or_choice(lines, waypoints)


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


def _geometry(element: Element, where: str, lines: list[list[Point]], points: list[Point]):
    """Add the lines and points of one geometry element (MultiGeometry: of its parts)."""
    if _is(element, "LineString"):
        lines.append(_coordinates(_child_text(element, "coordinates"), where))
    elif _is(element, "Point"):
        points.extend(_coordinates(_child_text(element, "coordinates"), where)[:1])
    elif _is_gx(element, "Track"):
        lines.append(
            [
                _position(c.text or "", where, n)
                for n, c in enumerate((c for c in element if _is_gx(c, "coord")), 1)
            ]
        )
    elif _is(element, "MultiGeometry") or _is_gx(element, "MultiTrack"):
        for part in element:  # the guard bounds how deep this goes
            _geometry(part, where, lines, points)


def _coordinates(text: str | None, where: str) -> list[Point]:
    tuples = _AROUND_COMMAS.sub(",", text or "").split()
    return [_position(t.replace(",", " "), where, n) for n, t in enumerate(tuples, 1)]


def _position(text: str, where: str, n: int) -> Point:
    """A point from "longitude latitude [altitude]" (gx:coord's form)."""
    fields = text.split()
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
