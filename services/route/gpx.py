"""GPX in and out: the route as one track with its waypoints, read safely with gpxpy."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as stdlib_et

import gpxpy
import gpxpy.gpx
from flask_babel import gettext as _

from services.route.choices import Choice, connect_points
from services.route.guards import check_size, decode_xml, guard_xml
from services.route.values import (
    ALTERNATIVE_ROLE,
    PLACE_ROLE,
    SECTION_ROLE,
    Place,
    Point,
    Route,
    RouteError,
    Section,
    Waypoint,
    assign_kinds,
    locate_section,
    round_coord,
    shorten,
    validate,
)

_PREFIX = "rallypoint:"  # <type> of the extra tracks: rallypoint:section:steps ...
_gpx_lock = threading.Lock()  # makes snapshot/restore of the namespace map atomic


def parse_gpx(data: bytes) -> Route | Choice:
    """Read a GPX file (UTF-8, at most 2 MB) into a validated route.

    The line is every track point of every track and segment in order. Each <wpt> becomes
    a waypoint labelled by its <name>; its kind comes from <type> when that is a known kind,
    else "stop" (without a <type> the first is "assembly" and the last "end"). A file with
    no track is not refused: it gives a `ConnectPoints` to confirm, through the points of
    its <rte> routes or, without those, through its waypoints. Files with a DTD or
    entities, or nested or sized beyond what a route needs, are refused before gpxpy sees
    them, and gpxpy never sees <extensions>. Tracks of <type> "rallypoint:section:<kind>"
    (a marked section: a copy of its stretch, the note as <desc>) and
    "rallypoint:step_free_alternative" are not part of the line (see ``to_gpx``), and a
    <wpt> with <src> "rallypoint:place" is a place beside it (kind from <type>, note from
    <desc>); a file without such points says nothing about places (``Route.places`` None).
    Raises RouteError.
    """
    check_size(data)
    gpx = _gpxpy_parse(guard_xml(decode_xml(data, "gpx")))
    marked = [w for w in gpx.waypoints if w.source == _PREFIX + PLACE_ROLE]
    plain = [w for w in gpx.waypoints if w.source != _PREFIX + PLACE_ROLE]
    kinds = assign_kinds([w.type for w in plain], last_is_end=True)
    waypoints = tuple(
        Waypoint(round_coord(w.latitude), round_coord(w.longitude), kind, w.name or "")
        for w, kind in zip(plain, kinds)
    )
    places = (
        tuple(
            Place(
                round_coord(w.latitude),
                round_coord(w.longitude),
                w.type or "",
                w.name or "",
                w.description or "",
            )
            for w in marked
        )
        if marked
        else None
    )
    main = [t for t in gpx.tracks if not (t.type or "").startswith(_PREFIX)]
    extra = [t for t in gpx.tracks if (t.type or "").startswith(_PREFIX)]
    track = _points(p for t in main for s in t.segments for p in s.points)
    if track:
        sections, alternative = _accessibility(extra, track)
        return validate(Route(track, waypoints, sections, alternative, places))
    if stops := _points(p for r in gpx.routes for p in r.points):
        return connect_points(stops, waypoints)
    if waypoints:
        return connect_points([Point(w.lat, w.lon) for w in waypoints], waypoints)
    raise RouteError(_("The file contains no route points."))


def _accessibility(tracks, line: tuple[Point, ...]):
    """(sections, alternative) from the extra tracks; (None, None) when there are none."""
    if not tracks:
        return None, None
    sections: list[Section] = []
    alternative: tuple[Point, ...] = ()
    for t in tracks:
        stretch = _points(p for s in t.segments for p in s.points)
        role = t.type[len(_PREFIX) :]
        if role == ALTERNATIVE_ROLE:
            alternative = stretch
        else:
            kind = role.removeprefix(SECTION_ROLE + ":")
            sections.append(locate_section(line, stretch, kind, t.description or ""))
    return tuple(sections), alternative


def _points(gpx_points) -> tuple[Point, ...]:
    return tuple(Point(round_coord(p.latitude), round_coord(p.longitude)) for p in gpx_points)


def _gpxpy_parse(text: str) -> gpxpy.gpx.GPX:
    with _gpx_lock:
        # gpxpy registers the file's namespaces globally; without the restore every upload
        # would leave its (attacker-chosen) prefixes and URIs in memory for good
        saved = dict(stdlib_et._namespace_map)
        try:
            return gpxpy.parse(text)
        except (gpxpy.gpx.GPXException, ValueError) as err:
            raise RouteError(
                _("The GPX file could not be read: %(detail)s.", detail=shorten(str(err), 200))
            ) from None
        finally:
            stdlib_et._namespace_map.clear()
            stdlib_et._namespace_map.update(saved)


def to_gpx(route: Route, name: str) -> str:
    """GPX 1.1 text: one track named `name` with one segment, waypoints as <wpt> with
    <name> and <type>; then the step-free alternative and each marked section (a copy of its
    stretch, the note as <desc>) as tracks of their own, typed so that ``parse_gpx`` keeps
    them apart and other apps show them as lines; places beside the line as <wpt> with <type>
    of their kind, the note as <desc> and <src> "rallypoint:place".
    parse_gpx(to_gpx(r, n).encode()) == r for valid non-empty routes with at most 6 decimals."""
    gpx = gpxpy.gpx.GPX()
    gpx.name = name
    segment = gpxpy.gpx.GPXTrackSegment(
        [gpxpy.gpx.GPXTrackPoint(p.lat, p.lon) for p in route.points]
    )
    track = gpxpy.gpx.GPXTrack(name=name)
    track.segments.append(segment)
    gpx.tracks.append(track)
    if route.alternative:
        gpx.tracks.append(
            _track(route.alternative, "Step-free alternative", _PREFIX + ALTERNATIVE_ROLE)
        )
    for section in route.sections or ():
        stretch = route.points[section.start : section.end + 1]
        extra = _track(
            stretch, section.note or section.kind, f"{_PREFIX}{SECTION_ROLE}:{section.kind}"
        )
        extra.description = section.note or None
        gpx.tracks.append(extra)
    gpx.waypoints = [
        gpxpy.gpx.GPXWaypoint(w.lat, w.lon, name=w.label, type=w.kind) for w in route.waypoints
    ]
    for place in route.places or ():
        spot = gpxpy.gpx.GPXWaypoint(
            place.lat, place.lon, name=place.label, type=place.kind, description=place.note or None
        )
        spot.source = _PREFIX + PLACE_ROLE
        gpx.waypoints.append(spot)
    return gpx.to_xml()


def _track(points, name: str, kind: str) -> gpxpy.gpx.GPXTrack:
    track = gpxpy.gpx.GPXTrack(name=name)
    track.type = kind
    track.segments.append(
        gpxpy.gpx.GPXTrackSegment([gpxpy.gpx.GPXTrackPoint(p.lat, p.lon) for p in points])
    )
    return track
