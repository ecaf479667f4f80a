"""GeoJSON in and out: one LineString for the route, Point features for the waypoints."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _

from services.route.guards import check_size, decode_json, guard_json
from services.route.values import (
    ALTERNATIVE_ROLE,
    MAX_PLACES,
    MAX_POINTS,
    MAX_SECTIONS,
    MAX_WAYPOINTS,
    PLACE_ROLE,
    SECTION_ROLE,
    Place,
    Point,
    Route,
    RouteError,
    Section,
    Waypoint,
    assign_kinds,
    coord_problem,
    locate_section,
    round_coord,
    shorten,
    too_many_points,
    too_many_waypoints,
    validate,
)


def parse_geojson(data: bytes) -> Route:
    """Read GeoJSON (at most 2 MB) into a validated route.

    Accepted: a LineString, a Feature whose geometry is a LineString, or a FeatureCollection
    with exactly one LineString feature and any number of Point features (waypoints; label
    from property "label" or "name", kind from "kind" with the same defaults as parse_gpx).
    LineString features with property "role" are not the route: "step_free_alternative" is
    the alternative line, "section" a marked section's stretch ("kind", "note"; see
    ``to_geojson``); Point features with "role" "place" are places beside the line ("kind",
    "label", "note"). Positions are [longitude, latitude]. Raises RouteError for anything else.
    """
    check_size(data)
    text = decode_json(data)
    guard_json(text)  # json recurses once per level of nesting
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:  # cannot happen after guard_json; kept as a second line
        raise RouteError(_("The file is not usable GeoJSON: it is nested too deeply.")) from None
    except ValueError as err:  # also covers bad UTF-8 and oversized integers
        raise RouteError(
            _("The file is not valid JSON: %(detail)s.", detail=shorten(str(err), 200))
        ) from None
    line, all_spots, extra = _geojson_parts(doc)
    spots = [(c, p) for c, p in all_spots if p.get("role") != PLACE_ROLE]
    places = _places([(c, p) for c, p in all_spots if p.get("role") == PLACE_ROLE])
    if not isinstance(line, list):
        raise RouteError(_("The LineString coordinates must be a list of positions."))
    if not line:
        raise RouteError(_("The file contains no route points."))
    if len(line) > MAX_POINTS:
        raise RouteError(too_many_points())  # before converting thousands of positions
    if len(spots) > MAX_WAYPOINTS:
        raise RouteError(too_many_waypoints())
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
    kinds = assign_kinds(raw_kinds, last_is_end=True)
    sections, alternative = _accessibility(extra, points)
    return validate(
        Route(
            points,
            tuple(
                Waypoint(lat, lon, kind, label) for (lat, lon, label), kind in zip(waypoints, kinds)
            ),
            sections,
            alternative,
            places,
        )
    )


def _places(found: Parts) -> tuple[Place, ...] | None:
    """The places beside the line (Point features with "role": "place"); None without any."""
    if not found:
        return None
    if len(found) > MAX_PLACES:
        raise RouteError(_("A route can have at most %(n)d places beside it.", n=MAX_PLACES))
    places: list[Place] = []
    for n, (coords, props) in enumerate(found, 1):
        lat, lon = _position(coords, _("Place %(n)d", n=n))
        kind, label, note = (props.get(key) for key in ("kind", "label", "note"))
        places.append(
            Place(
                lat,
                lon,
                kind if isinstance(kind, str) else "",
                label if isinstance(label, str) else "",
                note if isinstance(note, str) else "",
            )
        )
    return tuple(places)


def _accessibility(extra: list[tuple[Any, dict[str, Any]]], line: tuple[Point, ...]):
    """(sections, alternative) from the role-marked lines; (None, None) when there are none."""
    if not extra:
        return None, None
    if len(extra) > MAX_SECTIONS + 1:
        raise RouteError(_("A route can have at most %(n)d marked sections.", n=MAX_SECTIONS))
    sections: list[Section] = []
    alternative: tuple[Point, ...] = ()
    for n, (coords, props) in enumerate(extra, 1):
        if not isinstance(coords, list) or len(coords) > MAX_POINTS:
            raise RouteError(_("The LineString coordinates must be a list of positions."))
        where = _("Line %(n)d", n=n)
        stretch = tuple(Point(*_position(c, where)) for c in coords)
        if props.get("role") == ALTERNATIVE_ROLE:
            alternative = stretch
            continue
        kind, note = props.get("kind"), props.get("note")
        kind = kind if isinstance(kind, str) else ""
        note = note if isinstance(note, str) else ""
        sections.append(locate_section(line, stretch, kind, note))
    return tuple(sections), alternative


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


Parts = list[tuple[Any, dict[str, Any]]]


def _geojson_parts(doc: Any) -> tuple[Any, Parts, Parts]:
    """(line coordinates, [(point coordinates, properties)], [(coordinates, properties) of
    role-marked lines]) of a supported document."""
    if not isinstance(doc, dict):
        raise RouteError(
            _("The GeoJSON must be an object: a LineString, a Feature or a FeatureCollection.")
        )
    if doc.get("type") == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise RouteError(_("The FeatureCollection has no list of “features”."))
        lines: list[Any] = []
        spots: Parts = []
        extra: Parts = []
        for n, feature in enumerate(features, 1):
            kind, coords, props = _geometry(feature, _("Feature %(n)d", n=n))
            if kind == "LineString" and props.get("role") in (ALTERNATIVE_ROLE, SECTION_ROLE):
                extra.append((coords, props))
            elif kind == "LineString":
                lines.append(coords)
            elif kind == "Point":
                spots.append((coords, props))
            else:
                raise RouteError(
                    _(
                        "Feature %(n)d: only LineString and Point geometries are "
                        "supported, not “%(kind)s”.",
                        n=n,
                        kind=shorten(str(kind)),
                    )
                )
        if not lines:
            raise RouteError(_("The file contains no route line: add one LineString feature."))
        if len(lines) > 1:
            raise RouteError(
                _(
                    "The file contains %(n)d lines; it needs exactly one LineString for the route.",
                    n=len(lines),
                )
            )
        return lines[0], spots, extra
    kind, coords, _props = (
        _geometry(doc, _("The file"))
        if doc.get("type") == "Feature"
        else (doc.get("type"), doc.get("coordinates"), {})
    )
    if kind != "LineString":
        raise RouteError(
            _("The route must be a single LineString, not “%(kind)s”.", kind=shorten(str(kind)))
        )
    return coords, [], []


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
        raise RouteError(
            _("%(where)s: a position must be a list [longitude, latitude].", where=where)
        )
    lon, lat = coords[0], coords[1]
    if problem := coord_problem(lat, lon):
        raise RouteError(_("%(where)s: %(problem)s", where=where, problem=problem))
    return round_coord(lat), round_coord(lon)


def to_geojson(route: Route, name: str) -> dict[str, Any]:
    """A FeatureCollection: the line as a LineString feature with properties {"name": name},
    then one Point feature per waypoint with properties {"label", "kind"} and one per place
    beside the line ({"role": "place", "kind", "label", "note"}), then the step-free
    alternative ({"role": "step_free_alternative"}) and each marked section, a copy of its
    stretch ({"role": "section", "kind", "note"}), as LineString features."""
    line = {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "LineString", "coordinates": [[p.lon, p.lat] for p in route.points]},
    }
    spots = [
        {
            "type": "Feature",
            "properties": {"label": w.label, "kind": w.kind},
            "geometry": {"type": "Point", "coordinates": [w.lon, w.lat]},
        }
        for w in route.waypoints
    ]
    spots += [
        {
            "type": "Feature",
            "properties": {
                "role": PLACE_ROLE,
                "kind": p.kind,
                "label": p.label,
                "note": p.note,
            },
            "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
        }
        for p in route.places or ()
    ]
    extra = []
    if route.alternative:
        extra.append(_line({"role": ALTERNATIVE_ROLE}, route.alternative))
    for section in route.sections or ():
        props = {"role": SECTION_ROLE, "kind": section.kind, "note": section.note}
        extra.append(_line(props, route.points[section.start : section.end + 1]))
    return {"type": "FeatureCollection", "features": [line, *spots, *extra]}


def _line(props: dict[str, Any], points) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": [[p.lon, p.lat] for p in points]},
    }
