"""The route of a march: its geometry, its text format and the files it is imported from.

Owns the `Route` value (a line of points and named waypoints) and everything done to it
without a database: checking it (`validate`), measuring it (`geometry`), reading and writing
it as text, GPX, KML and GeoJSON, and the guards an upload passes first. Every parser returns a
validated `Route` or raises `RouteError`, whose message can be shown to the user as is; the
file parsers may instead return a `Choice` (`choices`: which line? connect the points?) for
the organiser to answer. `read_route_file` tells an upload's format by its content.
Storing a route on an event is the events package's job (`services.events.details`).

May import: `models.enums`, flask_babel, gpxpy, defusedxml, expat and zipfile. Not the
database, not Flask's app or request, not other services: live positions and events build on
this package.
"""

from services.route.choices import (
    MAX_LINE_OPTIONS,
    Choice,
    ConnectPoints,
    LineOption,
    PickLine,
)
from services.route.geojson import parse_geojson, to_geojson
from services.route.geometry import (
    EARTH_RADIUS_M,
    haversine_m,
    nearest_point_index,
    route_length_m,
    snap_to_route,
    walking_minutes,
)
from services.route.gpx import parse_gpx, to_gpx
from services.route.guards import MAX_UPLOAD_BYTES
from services.route.kml import parse_kml, parse_kmz, to_kml
from services.route.text_format import format_text, parse_text
from services.route.upload import read_route_file
from services.route.values import (
    KIND_LABELS,
    MAX_LABEL_CHARS,
    MAX_NOTE_CHARS,
    MAX_PLACE_DISTANCE_M,
    MAX_PLACE_LABEL_CHARS,
    MAX_PLACES,
    MAX_POINTS,
    MAX_SECTIONS,
    MAX_WAYPOINTS,
    PLACE_KINDS,
    SECTION_LABELS,
    Place,
    Point,
    Route,
    RouteError,
    Section,
    Waypoint,
    distance_text,
    kind_labels,
    place_name,
    section_labels,
    section_name,
    validate,
    validate_alternative,
    validate_places,
    validate_sections,
)

__all__ = [
    "Choice",
    "ConnectPoints",
    "KIND_LABELS",
    "LineOption",
    "MAX_LINE_OPTIONS",
    "PickLine",
    "kind_labels",
    "EARTH_RADIUS_M",
    "MAX_LABEL_CHARS",
    "MAX_NOTE_CHARS",
    "MAX_POINTS",
    "MAX_SECTIONS",
    "SECTION_LABELS",
    "Section",
    "section_labels",
    "section_name",
    "validate_alternative",
    "validate_sections",
    "MAX_PLACE_DISTANCE_M",
    "MAX_PLACE_LABEL_CHARS",
    "MAX_PLACES",
    "PLACE_KINDS",
    "Place",
    "distance_text",
    "place_name",
    "validate_places",
    "MAX_UPLOAD_BYTES",
    "MAX_WAYPOINTS",
    "Point",
    "Route",
    "RouteError",
    "Waypoint",
    "format_text",
    "haversine_m",
    "nearest_point_index",
    "parse_geojson",
    "parse_gpx",
    "parse_kml",
    "parse_kmz",
    "parse_text",
    "route_length_m",
    "snap_to_route",
    "to_geojson",
    "to_gpx",
    "to_kml",
    "read_route_file",
    "validate",
    "walking_minutes",
]
