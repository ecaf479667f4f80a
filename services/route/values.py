"""What a usable route is: the value types every parser returns, the limits, and `validate`.

Pure Python: no Flask app needed, no database. Messages go through flask_babel's gettext,
which translates them into the request's language and, outside an app, leaves them in English.
The small helpers below the types are shared by the parsers, so that the text form, GPX and
GeoJSON check coordinates, labels and kinds the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from models.enums import SectionKind, WaypointKind
from services.route.geometry import Point, snap_to_route

MAX_POINTS = 5000
MAX_SECTIONS = 50
MAX_NOTE_CHARS = 140  # as a translation's source may be (EventTextTranslation)
MAX_WAYPOINTS = 200
MAX_LABEL_CHARS = 120
MAX_PLACES = 50  # places beside the route (toilets, first aid ...)
MAX_PLACE_LABEL_CHARS = 80
MAX_PLACE_DISTANCE_M = 1000  # a place farther from the line is not "along the route"
DECIMALS = 6  # ~0.1 m; rounding on parse makes export/import round trips exact

# A tuple, not `value in WaypointKind`: before Python 3.12 that raises TypeError for a
# string that is not a member.
_KINDS = tuple(WaypointKind)
_SECTION_KINDS = tuple(SectionKind)
_BIDI_CONTROLS = re.compile("[\u2028\u2029\u202a-\u202e\u2066-\u2069]")

# What each kind is called on the page, in the legend, in calendars and for the map scripts.
KIND_LABELS = {
    WaypointKind.ASSEMBLY: _l("Assembly"),
    WaypointKind.STOP: _l("Stop"),
    WaypointKind.END: _l("End"),
    WaypointKind.FIRST_AID: _l("First aid"),
    WaypointKind.TOILETS: _l("Toilets"),
    WaypointKind.REST: _l("Rest"),
    WaypointKind.QUIET_ZONE: _l("Quiet zone"),
    WaypointKind.EXIT: _l("Place to leave the march"),
    WaypointKind.OTHER: _l("Other"),
}

# The waypoint kinds a place beside the route may have, in the legend's order.
PLACE_KINDS = (
    WaypointKind.FIRST_AID,
    WaypointKind.TOILETS,
    WaypointKind.REST,
    WaypointKind.QUIET_ZONE,
    WaypointKind.EXIT,
)

# What each kind of marked section is called on the page, in the legend and in exports.
SECTION_LABELS = {
    SectionKind.STEPS: _l("Steps"),
    SectionKind.STEEP: _l("Steep"),
    SectionKind.ROUGH: _l("Rough surface"),
    SectionKind.NARROW: _l("Narrow"),
    SectionKind.NO_EXIT: _l("No exit"),
}


def kind_labels() -> dict[str, str]:
    """The kinds' names in the current language, as plain strings (for JSON)."""
    return {kind.value: str(label) for kind, label in KIND_LABELS.items()}


@dataclass(frozen=True)
class Waypoint:
    lat: float
    lon: float
    kind: str
    label: str


def section_labels() -> dict[str, str]:
    """The section kinds' names in the current language, as plain strings (for JSON)."""
    return {kind.value: str(label) for kind, label in SECTION_LABELS.items()}


@dataclass(frozen=True)
class Section:
    """A hard stretch of the route: from ``points[start]`` to ``points[end]``."""

    start: int
    end: int
    kind: str
    note: str = ""


@dataclass(frozen=True)
class Place:
    """A place beside the route, not on its line: toilets 80 m off it do not bend the march."""

    lat: float
    lon: float
    kind: str
    label: str
    note: str = ""


@dataclass(frozen=True)
class Route:
    points: tuple[Point, ...]  # the walked line, in order
    waypoints: tuple[Waypoint, ...]  # named places, in order
    # None: the source says nothing about them (a typed route), so the stored ones stay;
    # a tuple, even empty, replaces them (a file that carries them).
    sections: tuple[Section, ...] | None = None
    alternative: tuple[Point, ...] | None = None  # the step-free line; () or 2+ points
    places: tuple[Place, ...] | None = None  # beside the line; None as for sections


class RouteError(ValueError):
    """A route the user supplied cannot be used; str(err) is a user-facing sentence."""


def too_many_points() -> str:
    return _("A route can have at most %(n)d points; simplify the line.", n=MAX_POINTS)


def too_many_waypoints() -> str:
    return _("A route can have at most %(n)d waypoints.", n=MAX_WAYPOINTS)


def coord_problem(lat: Any, lon: Any) -> str | None:
    """What is wrong with a coordinate pair, as a sentence fragment; None if nothing."""
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


def label_problem(label: str) -> str | None:
    """What is wrong with a (tidied) waypoint label, as a sentence fragment; None if nothing."""
    if not label:
        return _("a label is required.")
    if len(label) > MAX_LABEL_CHARS:
        return _("the label must be at most %(n)d characters.", n=MAX_LABEL_CHARS)
    # Controls break GPX/XML export; bidi overrides and isolates disguise text (the forms
    # refuse the same ones, see forms/base.py)
    if any(unicodedata.category(c) == "Cc" for c in label) or _BIDI_CONTROLS.search(label):
        return _("the label must not contain control characters.")
    return None


def note_problem(note: str) -> str | None:
    """What is wrong with a (tidied) section note, as a sentence fragment; None if nothing."""
    if len(note) > MAX_NOTE_CHARS:
        return _("the note must be at most %(n)d characters.", n=MAX_NOTE_CHARS)
    if any(unicodedata.category(c) == "Cc" for c in note) or _BIDI_CONTROLS.search(note):
        return _("the note must not contain control characters.")
    return None


def section_name(n: int, kind: str, note: str = "") -> str:
    """How messages name a section: "Section 2 (Steps: 12 steps down…)"."""
    label = SECTION_LABELS.get(kind, kind) if kind in _SECTION_KINDS else shorten(str(kind))
    what = f"{label}: {shorten(note)}" if note else str(label)
    return _("Section %(n)d (%(what)s)", n=n, what=what)


def validate_sections(sections: Sequence[Section], point_count: int) -> tuple[Section, ...]:
    """Check sections against a line of ``point_count`` points; return them with notes tidied.
    Raises RouteError naming the first bad section."""
    if len(sections) > MAX_SECTIONS:
        raise RouteError(_("A route can have at most %(n)d marked sections.", n=MAX_SECTIONS))
    checked: list[Section] = []
    for n, s in enumerate(sections, 1):
        note = " ".join(s.note.split()) if isinstance(s.note, str) else ""
        name = section_name(n, s.kind, note)
        if s.kind not in _SECTION_KINDS:
            raise RouteError(
                _(
                    "%(name)s: the kind must be one of %(kinds)s.",
                    name=name,
                    kinds=", ".join(_SECTION_KINDS),
                )
            )
        if problem := note_problem(note):
            raise RouteError(_("%(name)s: %(problem)s", name=name, problem=problem))
        on_route = all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < point_count
            for i in (s.start, s.end)
        )
        if not on_route:
            raise RouteError(_("%(name)s: its points are not on the route.", name=name))
        if s.start >= s.end:
            raise RouteError(
                _("%(name)s: it must end at a later point of the route than it starts.", name=name)
            )
        checked.append(Section(s.start, s.end, s.kind, note))
    return tuple(checked)


def place_name(n: int, kind: str, label: str) -> str:
    """How messages name a place: "Place 2 (Toilets: Tiergarten)"."""
    kind_label = KIND_LABELS.get(kind, kind) if kind in PLACE_KINDS else shorten(str(kind))
    what = f"{kind_label}: {shorten(label)}" if label else str(kind_label)
    return _("Place %(n)d (%(what)s)", n=n, what=what)


def distance_text(metres: float) -> str:
    """ "80 m" (to the nearest 10 m, at least 10) below a kilometre, else "3.4 km"."""
    if metres < 995:
        return _("%(n)d m", n=max(10, round(metres / 10) * 10))
    km = f"{metres / 1000:.1f}"
    return _("%(km)s km", km=km)


def validate_places(places: Sequence[Place], line: Sequence[Point]) -> tuple[Place, ...]:
    """Check places beside ``line`` (the stored or new route): at most MAX_PLACES, a kind of
    PLACE_KINDS, a label of at most 80 characters, a note as a section's, coordinates in
    range and within MAX_PLACE_DISTANCE_M of the line. Returns them with coordinates rounded
    and whitespace tidied; raises RouteError naming the first bad place."""
    if len(places) > MAX_PLACES:
        raise RouteError(_("A route can have at most %(n)d places beside it.", n=MAX_PLACES))
    if places and len(line) < 2:
        raise RouteError(_("Draw or upload the route first: places must be near its line."))
    checked: list[Place] = []
    for n, p in enumerate(places, 1):
        label = " ".join(p.label.split()) if isinstance(p.label, str) else ""
        note = " ".join(p.note.split()) if isinstance(p.note, str) else ""
        name = place_name(n, p.kind, label)
        problem = None
        if p.kind not in PLACE_KINDS:
            problem = _(
                "the kind must be one of %(kinds)s.", kinds=", ".join(str(k) for k in PLACE_KINDS)
            )
        elif not label:
            problem = _("a label is required.")
        elif len(label) > MAX_PLACE_LABEL_CHARS:
            problem = _("the label must be at most %(n)d characters.", n=MAX_PLACE_LABEL_CHARS)
        else:
            problem = label_problem(label) or note_problem(note) or coord_problem(p.lat, p.lon)
        if problem:
            raise RouteError(_("%(name)s: %(problem)s", name=name, problem=problem))
        spot = Point(round_coord(float(p.lat)), round_coord(float(p.lon)))
        distance = snap_to_route(line, spot)[1]
        if distance > MAX_PLACE_DISTANCE_M:
            raise RouteError(
                _(
                    "%(name)s: it is %(distance)s from the route; a place must be within "
                    "%(limit)s of it.",
                    name=name,
                    distance=distance_text(distance),
                    limit=distance_text(MAX_PLACE_DISTANCE_M),
                )
            )
        checked.append(Place(spot.lat, spot.lon, p.kind, label, note))
    return tuple(checked)


ALTERNATIVE_ROLE = "step_free_alternative"  # how files mark the alternative line
SECTION_ROLE = "section"  # ... and a marked section's stretch
PLACE_ROLE = "place"  # ... and a place beside the route


def locate_section(
    points: Sequence[Point], stretch: Sequence[Point], kind: str, note: str
) -> Section:
    """A section read from a file, where it is a copy of its stretch of the line: found by its
    first and last point on ``points`` (the end after the start). Not found: indexes of -1,
    which ``validate_sections`` refuses, naming the section."""
    if not stretch:
        return Section(-1, -1, kind, note)
    start = next((i for i, p in enumerate(points) if p == stretch[0]), -1)
    end = next((i for i in range(start + 1, len(points)) if points[i] == stretch[-1]), -1)
    return Section(start if end >= 0 else -1, end, kind, note)


def validate_alternative(points: Sequence[Point]) -> tuple[Point, ...]:
    """Check the step-free line: none, or 2..MAX_POINTS points in range. Raises RouteError."""
    if not points:
        return ()
    if len(points) < 2:
        raise RouteError(_("The step-free alternative needs at least two points."))
    if len(points) > MAX_POINTS:
        raise RouteError(too_many_points())
    for n, p in enumerate(points, 1):
        if problem := coord_problem(p.lat, p.lon):
            raise RouteError(
                _("Step-free alternative, point %(n)d: %(problem)s", n=n, problem=problem)
            )
    return tuple(Point(float(p.lat), float(p.lon)) for p in points)


def kind_of(word: str) -> WaypointKind | None:
    """The kind a user-typed word means ("First aid" -> first_aid), else None."""
    canonical = re.sub(r"[\s_-]+", "_", word.strip().lower())
    return WaypointKind(canonical) if canonical in _KINDS else None


def assign_kinds(raw: Sequence[str | None], last_is_end: bool) -> list[WaypointKind]:
    """Kinds for waypoints in order: a valid given kind wins, an unknown one becomes "stop";
    without one the first is "assembly", the last "end" (if `last_is_end`), others "stop"."""
    kinds: list[WaypointKind] = []
    for i, given in enumerate(raw):
        if given is not None:
            kinds.append(kind_of(given) or WaypointKind.STOP)
        elif i == 0:
            kinds.append(WaypointKind.ASSEMBLY)
        else:
            last = last_is_end and i == len(raw) - 1
            kinds.append(WaypointKind.END if last else WaypointKind.STOP)
    return kinds


def shorten(text: str, limit: int = 30) -> str:
    """`text` cut to `limit` characters with an ellipsis, so quoted input keeps messages short."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def round_coord(value: float) -> float:
    """A coordinate rounded to DECIMALS places."""
    return round(value, DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def validate(route: Route) -> Route:
    """Check a route; return it with coordinates as floats and label whitespace tidied.

    An entirely empty route (no points, no waypoints) means "no route yet" and is valid.
    Otherwise: 2..MAX_POINTS points, at most MAX_WAYPOINTS waypoints, coordinates finite
    and in range, kinds from WaypointKind, labels non-empty and at most 120 characters;
    sections (if given) as ``validate_sections``, the alternative as ``validate_alternative``,
    places beside the line as ``validate_places``.
    Raises RouteError naming the first problem found.
    """
    if not route.points and not route.waypoints:
        return Route((), ())
    if len(route.points) < 2:
        raise RouteError(_("A route needs at least two points."))
    if len(route.points) > MAX_POINTS:
        raise RouteError(too_many_points())
    if len(route.waypoints) > MAX_WAYPOINTS:
        raise RouteError(too_many_waypoints())
    for n, p in enumerate(route.points, 1):
        if problem := coord_problem(p.lat, p.lon):
            raise RouteError(_("Point %(n)d: %(problem)s", n=n, problem=problem))
    waypoints: list[Waypoint] = []
    for n, w in enumerate(route.waypoints, 1):
        # tabs/newlines (legal in GPX names) become spaces; other control characters are errors
        label = " ".join(w.label.split()) if isinstance(w.label, str) else ""
        problem = coord_problem(w.lat, w.lon) or label_problem(label)
        if not problem and w.kind not in _KINDS:
            problem = _("the kind must be one of %(kinds)s.", kinds=", ".join(_KINDS))
        if problem:
            raise RouteError(_("Waypoint %(n)d: %(problem)s", n=n, problem=problem))
        waypoints.append(Waypoint(float(w.lat), float(w.lon), w.kind, label))
    points = tuple(Point(float(p.lat), float(p.lon)) for p in route.points)
    sections = None if route.sections is None else validate_sections(route.sections, len(points))
    alternative = None if route.alternative is None else validate_alternative(route.alternative)
    places = None if route.places is None else validate_places(route.places, points)
    return Route(points, tuple(waypoints), sections, alternative, places)
