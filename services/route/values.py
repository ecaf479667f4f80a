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

from models.enums import WaypointKind

MAX_POINTS = 5000
MAX_WAYPOINTS = 200
MAX_LABEL_CHARS = 120
DECIMALS = 6  # ~0.1 m; rounding on parse makes export/import round trips exact

# A tuple, not `value in WaypointKind`: before Python 3.12 that raises TypeError for a
# string that is not a member.
_KINDS = tuple(WaypointKind)
_BIDI_CONTROLS = re.compile("[\u2028\u2029\u202a-\u202e\u2066-\u2069]")

# What each kind is called on the page, in the legend, in calendars and for the map scripts.
KIND_LABELS = {
    WaypointKind.ASSEMBLY: _l("Assembly"),
    WaypointKind.STOP: _l("Stop"),
    WaypointKind.END: _l("End"),
    WaypointKind.FIRST_AID: _l("First aid"),
    WaypointKind.TOILETS: _l("Toilets"),
    WaypointKind.OTHER: _l("Other"),
}


def kind_labels() -> dict[str, str]:
    """The kinds' names in the current language, as plain strings (for JSON)."""
    return {kind.value: str(label) for kind, label in KIND_LABELS.items()}


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
    and in range, kinds from WaypointKind, labels non-empty and at most 120 characters.
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
    return Route(points, tuple(waypoints))
